"""`dailypapers export --format jsonl|parquet [--since DATE] [--out FILE]`."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dailypapers.api.export import export_jsonl, export_parquet, export_queryset, iter_records, write_jsonl
from dailypapers.lib.progress import progress_bar


def parse_since(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since {value!r}: expected a date YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Export papers with authors, upvotes and daily entries. JSON lines re-import with "
        "`dailypapers ingest jsonl FILE` (total upvotes come back as imported upvotes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["jsonl", "parquet"], default="jsonl")
        parser.add_argument("--since", type=parse_since, help="only papers published, updated or on a daily page since YYYY-MM-DD")
        parser.add_argument(
            "--out",
            help="output file (default: standard output for jsonl, papers-<today>.parquet for parquet); "
            "a .gz name compresses JSON lines",
        )

    def handle(self, *args, format: str, since: dt.date | None, out: str | None, **options):
        papers = export_queryset(since)
        total = papers.count()
        to_stdout = format == "jsonl" and out in (None, "-")
        if format == "parquet" and out == "-":
            raise CommandError("parquet cannot be written to standard output; give --out FILE")
        path = None if to_stdout else Path(out or f"papers-{dt.date.today():%Y-%m-%d}.{format}")
        stderr = self.stderr._out
        with progress_bar(f"export {format}", total, stream=stderr, unit="papers") as update:
            records = iter_records(papers)
            if to_stdout:
                count = write_jsonl(records, sys.stdout.buffer, update)
                sys.stdout.buffer.flush()
            elif format == "jsonl":
                count = export_jsonl(records, path, update)
            else:
                count = export_parquet(records, path, update)
            update(count)
        where = "standard output" if to_stdout else str(path)
        print(f"exported {count} papers to {where}", file=stderr)
