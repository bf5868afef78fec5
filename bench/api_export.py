"""Benchmark: bulk export and the Hugging Face–compatible daily endpoint on a synthetic corpus.

    .venv/bin/python bench/api_export.py [--papers 20000] [--daily 3000]

Builds a throw-away site (SQLite in a temp data dir) from ``bench/synthetic.py`` records through
the real ingest pipeline, the newest ``--daily`` papers placed on the daily pages of the last
30 days. Then, each with a baseline measured in the same run:

- export: papers/s of ``export --format jsonl`` and ``--format parquet`` against the floor of
  reading the same paper rows with one plain ``values_list`` scan (no authors, no entries);
  peak RSS shows that memory stays bounded;
- HF API: ms per ``GET /api/daily_papers?month=…&limit=100`` and SQL queries per request, against
  the HTML month page of the same period (``/papers/month/…``) through the same test client.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup_django(data_dir: str) -> None:
    os.environ["DAILYPAPERS_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dailypapers.settings")
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    from dailypapers.lib.datadir import prepare_data_dir

    prepare_data_dir()
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_corpus(n: int, daily: int) -> None:
    from django.utils import timezone
    from synthetic import generate_snapshot_records, snapshot_to_import

    from dailypapers.ingest.pipeline import IngestPipeline, SourceItem

    today = timezone.localdate()

    def items():
        records = [snapshot_to_import(r) for r in generate_snapshot_records(n, seed=5)]
        records.sort(key=lambda r: r.get("published") or "", reverse=True)
        for rank, record in enumerate(records):
            if rank < daily:
                day = today - dt.timedelta(days=rank * 30 // daily)
                record["daily_date"] = day.isoformat()
                record["daily_submitted_at"] = f"{day.isoformat()}T06:{rank % 60:02d}:00Z"
                record["upvotes"] = (rank * 7919) % 300
            yield SourceItem(location=f"record {rank}", data=record)

    IngestPipeline("bench").run(items())


def timed(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=20_000)
    parser.add_argument("--daily", type=int, default=3_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="dp-bench-api-") as data_dir:
        setup_django(data_dir)
        from django.db import connection
        from django.test import Client
        from django.utils import timezone

        from dailypapers.api.export import export_jsonl, export_parquet, export_queryset, iter_records
        from dailypapers.papers.models import Paper

        start = time.perf_counter()
        build_corpus(args.papers, args.daily)
        print(f"corpus: {Paper.objects.count():,} papers ({args.daily:,} on daily pages), built in {time.perf_counter() - start:.1f} s")

        fields = [f.attname for f in Paper._meta.concrete_fields]
        baseline = timed(lambda: sum(1 for _ in Paper.objects.order_by("pk").values_list(*fields).iterator(chunk_size=2000)))
        jsonl = timed(lambda: export_jsonl(iter_records(export_queryset()), Path(data_dir) / "out.jsonl"))
        parquet = timed(lambda: export_parquet(iter_records(export_queryset()), Path(data_dir) / "out.parquet"))
        n = args.papers
        print(f"export   baseline row scan {n / baseline:>9,.0f} papers/s")
        print(f"export   jsonl             {n / jsonl:>9,.0f} papers/s   {jsonl / baseline:5.1f}x the scan's time")
        print(f"export   parquet           {n / parquet:>9,.0f} papers/s   {parquet / baseline:5.1f}x the scan's time")
        print(f"export   peak RSS          {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")

        client = Client(HTTP_HOST="127.0.0.1")
        month = f"{timezone.localdate():%Y-%m}"
        urls = {"html month page": f"/papers/month/{month}", "HF daily_papers": f"/api/daily_papers?month={month}&limit=100"}
        results = {}
        for label, url in urls.items():
            assert client.get(url).status_code == 200, url
            executed = []
            with connection.execute_wrapper(lambda execute, sql, *a: executed.append(sql) or execute(sql, *a)):
                client.get(url)
            per_request = timed(lambda: [client.get(url) for _ in range(args.requests)], repeat=3) / args.requests
            results[label] = per_request
            print(f"request  {label:<17} {per_request * 1000:7.1f} ms  {len(executed):3d} SQL queries")
        ratio = results["HF daily_papers"] / results["html month page"]
        print(f"request  HF daily_papers / html month page = {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
