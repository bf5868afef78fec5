"""Benchmark: import synthetic arXiv snapshots into SQLite (or PostgreSQL); records/s and peak RSS, extrapolated to 3M.

Each import runs ``dailypapers ingest snapshot`` in its own subprocess with a fresh data directory.
Peak memory is sampled from /proc every 0.2 s as the *sum* over the importer and its worker
processes (pages shared after fork are counted once per process, so it overstates).
The baseline, run in the same invocation on the same file, is the ceiling a
single-process streaming import cannot beat: reading, decompressing and ``json.loads``-ing every
line plus the mapping to the import shape, with no validation and no database. ``--compare-ref``
also imports the file with the code of an earlier commit (``git archive``), for a before/after
measured in the same run on the same machine.

    python bench/ingest_snapshot.py --sizes 100000 1000000 --compare-ref d2e7b30
    python bench/ingest_snapshot.py --sizes 100000 --workers 0 2   # in-process vs 2 workers
    python bench/ingest_snapshot.py --sizes 1000000 --database-url postgres://user@host:port/postgres

With ``--database-url`` each import gets a fresh database on that PostgreSQL server (created and
dropped by the bench; the URL names any database the user may connect to, and needs CREATEDB):
peak RSS is then the importer's processes only (the server's memory is its own settings' shared_buffers
and work_mem), and the database size is pg_database_size after the import.

Results go to bench/out/ingest_snapshot.json. Input files are generated once by
``bench/synthetic.py`` into bench/out/ (gzip) and reused.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
TARGET_RECORDS = 3_000_000

PARSE_ONLY = """
import sys, time
from dailypapers.ingest.sources.snapshot import snapshot_items
start = time.monotonic(); n = 0
for item in snapshot_items(sys.argv[1]):
    n += 1
print(n, time.monotonic() - start)
"""


def snapshot_file(n: int) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"snapshot-{n}.jsonl.gz"
    if not path.exists():
        print(f"generating {n:,} synthetic records -> {path}", flush=True)
        partial = path.with_suffix(".partial.gz")
        subprocess.run([sys.executable, str(ROOT / "bench" / "synthetic.py"), "--records", str(n), "--out", str(partial)], check=True)
        partial.rename(path)
    return path


def _tree_rss_bytes(root: int) -> int:
    """Resident memory of ``root`` and its descendants, from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    parents[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    tree, total = {root}, 0
    for pid in sorted(parents):  # children have larger pids than their parents here
        if parents[pid] in tree:
            tree.add(pid)
    for pid in tree:
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            pass
    return total


def fresh_database(server_url: str) -> tuple[str, object]:
    """A new empty database on the server ``server_url`` points at: (its URL, a function dropping it)."""
    import urllib.parse

    import psycopg

    name = f"dp_bench_ingest_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')

    return urllib.parse.urlsplit(server_url)._replace(path=f"/{name}").geturl(), drop


def database_mb(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url) as conn:
        return round(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 1e6)


def run_import(path: Path, *, workers: int | None = None, src: Path | None = None, server_url: str | None = None) -> dict:
    data_dir = tempfile.mkdtemp(prefix="dp-bench-ingest-")
    env = {**os.environ, "DAILYPAPERS_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "dailypapers.settings"}
    drop = None
    if server_url:
        env["DATABASE_URL"], drop = fresh_database(server_url)
    else:
        env.pop("DATABASE_URL", None)
    if src:  # an earlier commit's code first on the path
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    subprocess.run([sys.executable, "-m", "dailypapers", "migrate", "-v0"], env=env, check=True)
    cmd = [sys.executable, "-m", "dailypapers", "ingest", "snapshot", str(path)]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            if sys.platform.startswith("linux"):
                peak[0] = max(peak[0], _tree_rss_bytes(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    seconds = time.monotonic() - start
    done.set()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"import failed:\n{stderr[-3000:]}")
    if drop:
        db_mb = database_mb(env["DATABASE_URL"])
        drop()
    else:
        db_mb = round(sum(p.stat().st_size for p in Path(data_dir).glob("dailypapers.sqlite3*")) / 1e6)
    return {
        "seconds": seconds,
        "summary": stdout.strip().splitlines()[0],
        "peak_rss_mb_all_processes": round(peak[0] / 1e6),
        "db_mb": db_mb,
        "data_dir": data_dir,
    }


def run_parse_only(path: Path) -> float:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dailypapers.settings", "DAILYPAPERS_DATA_DIR": tempfile.mkdtemp()}
    setup = "from dailypapers.lib.datadir import prepare_data_dir; prepare_data_dir()\nimport django; django.setup()\n"
    proc = subprocess.run([sys.executable, "-c", setup + PARSE_ONLY, str(path)],
                          env=env, capture_output=True, text=True, check=True)  # fmt: skip
    return float(proc.stdout.split()[1])


def source_at(ref: str) -> Path:
    """The ``src/`` tree of commit ``ref``, extracted to a temp dir."""
    dest = Path(tempfile.mkdtemp(prefix="dp-bench-ref-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return dest / "src"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--workers", type=int, nargs="+", default=[None],
                        help="worker counts to measure (default: the command's default, one per core)")  # fmt: skip
    parser.add_argument("--compare-ref", help="also import with this commit's code (e.g. the last one before a change)")
    parser.add_argument("--database-url", help="import into fresh databases on this PostgreSQL server instead of SQLite")
    args = parser.parse_args(argv)
    old_src = source_at(args.compare_ref) if args.compare_ref else None
    results = []
    for n in args.sizes:
        path = snapshot_file(n)
        parse_s = run_parse_only(path)
        runs = [(f"workers={'default' if w is None else w}", run_import(path, workers=w, server_url=args.database_url))
                for w in args.workers]
        if old_src:
            runs.append((f"at {args.compare_ref}", run_import(path, src=old_src, server_url=args.database_url)))
        for label, imported in runs:
            rate = n / imported["seconds"]
            row = {
                "records": n,
                "database": "postgresql" if args.database_url else "sqlite",
                "code": label,
                "file_mb": round(path.stat().st_size / 1e6, 1),
                "baseline_parse_only_rps": round(n / parse_s),
                "import_seconds": round(imported["seconds"], 1),
                "import_rps": round(rate),
                "import_vs_parse_only": round(parse_s / imported["seconds"], 3),
                "peak_rss_mb_all_processes": imported["peak_rss_mb_all_processes"],
                "db_mb": imported["db_mb"],
                "extrapolated_3m_minutes": round(TARGET_RECORDS / rate / 60, 1),
                "summary": imported["summary"],
            }
            if old_src and label != f"at {args.compare_ref}":
                row["speedup_vs_ref"] = round(runs[-1][1]["seconds"] / imported["seconds"], 2)
            results.append(row)
            print(json.dumps(row), flush=True)
            shutil.rmtree(imported["data_dir"], ignore_errors=True)
    report = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average at end {os.getloadavg()[0]:.1f}",
        "target": "3M records < 5 min (10k records/s), peak RSS < 1 GB",
        "results": results,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / ("ingest_snapshot_postgres.json" if args.database_url else "ingest_snapshot.json")).write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
