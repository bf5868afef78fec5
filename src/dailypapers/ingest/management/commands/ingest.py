"""`dailypapers ingest SOURCE ...`: feed a source through the one ingest pipeline."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dailypapers.ingest.pipeline import IngestPipeline, IngestReport
from dailypapers.ingest.progress import progress_bar


class Command(BaseCommand):
    help = "Import papers from a source: sample (bundled demo data) or jsonl FILE."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="source", required=True, metavar="SOURCE")
        sub.add_parser("sample", help="the bundled demo dataset, placed on the last 30 days' pages")
        jsonl = sub.add_parser("jsonl", help="a JSON-lines file in the documented import format (.gz too)")
        jsonl.add_argument("file", type=Path)

    def handle(self, *args, source, **options):
        if source == "sample":
            from dailypapers.ingest.sources.sample import sample_items

            report = self.run_pipeline("sample", sample_items())
        elif source == "jsonl":
            from dailypapers.ingest.sources.jsonl import jsonl_items

            path: Path = options["file"]
            if not path.is_file():
                raise CommandError(f"no such file: {path}")
            report = self.run_pipeline("jsonl", jsonl_items(path), detail=str(path))
        else:  # argparse only lets known sources through
            raise CommandError(f"unknown source {source!r}")
        self.print_report(report)

    def run_pipeline(self, source: str, items, *, detail: str = "", total: int | None = None) -> IngestReport:
        with progress_bar(f"ingest {source}", total, stream=self.stderr._out) as update:
            pipeline = IngestPipeline(source, detail=detail, on_progress=lambda r: update(r.seen))
            return pipeline.run(items)

    def print_report(self, report: IngestReport) -> None:
        self.stdout.write(report.summary())
        if report.rejected:
            for kind, count in sorted(report.reason_counts.items(), key=lambda kv: -kv[1]):
                self.stdout.write(f"  {count} × {kind}")
            for where, reason in report.rejections[:20]:
                self.stdout.write(f"  rejected {where}: {reason}")
            if report.rejected > 20:
                self.stdout.write(f"  … {report.rejected - 20} more in the admin (Ingest › Quarantined records)")
