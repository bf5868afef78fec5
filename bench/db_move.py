"""Benchmark: ``dailypapers db move`` of a SQLite site into PostgreSQL; rows/s and peak RSS.

For each size: synthetic arXiv records (``bench/synthetic.py``, reused from bench/out/) imported
into a fresh SQLite data dir with ``dailypapers ingest snapshot``, then moved into the PostgreSQL
named by ``DATABASE_URL`` (emptied first: ``--truncate``). The move's own report gives rows, seconds
(copy, index and foreign-key builds, checks; not the target's migration) and its peak RSS.

    bash scripts/with-postgres.sh python bench/db_move.py --sizes 20000 100000

Results go to bench/out/db_move.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
REPORT = re.compile(r"Moved ([\d,]+) rows in (\d+) tables in ([\d.]+) s \(([\d,]+) rows/s, peak RSS ([\d,]+) MB\)")


def run(size: int, target: str) -> dict:
    OUT.mkdir(parents=True, exist_ok=True)
    snapshot = OUT / f"snapshot-{size}.jsonl.gz"
    if not snapshot.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "synthetic.py"), "--records", str(size), "--out", str(snapshot)], check=True)
    with tempfile.TemporaryDirectory(prefix="dailypapers-move-") as data_dir:
        env = {**os.environ, "DAILYPAPERS_DATA_DIR": data_dir}
        env.pop("DATABASE_URL", None)  # the source is the SQLite site
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "dailypapers", "ingest", "snapshot", str(snapshot)], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ingest_seconds = time.monotonic() - started
        result = subprocess.run([sys.executable, "-m", "dailypapers", "db", "move", "--to", target, "--truncate"],
                                env=env, check=True, capture_output=True, text=True)
    match = REPORT.search(result.stdout)
    if not match:
        raise SystemExit(f"no report in the move's output:\n{result.stdout}\n{result.stderr}")
    rows, tables, seconds, rate, rss = match.groups()
    return {"papers": size, "rows": int(rows.replace(",", "")), "tables": int(tables), "seconds": float(seconds),
            "rows_per_s": int(rate.replace(",", "")), "peak_rss_mb": int(rss.replace(",", "")), "ingest_seconds": round(ingest_seconds, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20000])
    args = parser.parse_args(argv)
    target = os.environ.get("DATABASE_URL", "")
    if not target.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to an empty PostgreSQL database (e.g. run under scripts/with-postgres.sh)")
    results = []
    for size in args.sizes:
        results.append(run(size, target))
        print(json.dumps(results[-1]), flush=True)
    (OUT / "db_move.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
