"""Benchmark: import synthetic arXiv snapshots into SQLite; records/s and peak RSS, extrapolated to 3M.

Each size runs ``dailypapers ingest snapshot`` in its own subprocess with a fresh data directory,
so peak RSS (``RUSAGE_CHILDREN``, taken after each child exits) is per run. The baseline, run in
the same invocation on the same file, is the ceiling a streaming import cannot beat: reading,
decompressing and ``json.loads``-ing every line (plus the mapping to the import shape) with no
database at all. Results are ratios against it, and absolute figures for this machine.

    python bench/ingest_snapshot.py --sizes 100000 1000000   # writes bench/out/ingest_snapshot.json

Input files are generated once by ``bench/synthetic.py`` into bench/out/ (gzip) and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
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
        subprocess.run([sys.executable, str(ROOT / "bench" / "synthetic.py"), "--records", str(n), "--out", str(path)], check=True)
    return path


def run_import(path: Path) -> dict:
    data_dir = tempfile.mkdtemp(prefix="dp-bench-ingest-")
    env = {**os.environ, "DAILYPAPERS_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "dailypapers.settings"}
    subprocess.run([sys.executable, "-m", "dailypapers", "migrate", "-v0"], env=env, check=True)
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "dailypapers", "ingest", "snapshot", str(path)], env=env,
                          capture_output=True, text=True)  # fmt: skip
    seconds = time.monotonic() - start
    if proc.returncode:
        raise SystemExit(f"import failed:\n{proc.stderr[-3000:]}")
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    db = Path(data_dir) / "dailypapers.sqlite3"
    return {"seconds": seconds, "summary": proc.stdout.strip().splitlines()[0], "peak_rss_mb_max_so_far": rss,
            "db_mb": db.stat().st_size / 1e6}  # fmt: skip


def run_parse_only(path: Path) -> float:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dailypapers.settings", "DAILYPAPERS_DATA_DIR": tempfile.mkdtemp()}
    proc = subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + PARSE_ONLY, str(path)],
                          env=env, capture_output=True, text=True, check=True)  # fmt: skip
    return float(proc.stdout.split()[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    args = parser.parse_args(argv)
    results = []
    for n in args.sizes:
        path = snapshot_file(n)
        parse_s = run_parse_only(path)
        imported = run_import(path)
        rate = n / imported["seconds"]
        row = {
            "records": n,
            "file_mb": path.stat().st_size / 1e6,
            "baseline_parse_only_rps": round(n / parse_s),
            "import_seconds": round(imported["seconds"], 1),
            "import_rps": round(rate),
            "import_vs_parse_only": round(parse_s / imported["seconds"], 3),
            # RUSAGE_CHILDREN keeps the largest child; sizes run in increasing order, so this is
            # this size's peak unless a smaller run peaked higher.
            "peak_rss_mb": round(imported["peak_rss_mb_max_so_far"]),
            "db_mb": round(imported["db_mb"]),
            "extrapolated_3m_minutes": round(TARGET_RECORDS / rate / 60, 1),
            "summary": imported["summary"],
        }
        results.append(row)
        print(json.dumps(row), flush=True)
    report = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "target": "3M records < 5 min (10k records/s), peak RSS < 1 GB",
        "results": results,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "ingest_snapshot.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
