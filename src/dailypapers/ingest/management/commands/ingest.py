"""`dailypapers ingest SOURCE ...`: feed a source through the one ingest pipeline."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dailypapers.ingest.pipeline import IngestPipeline, IngestReport
from dailypapers.lib.progress import progress_bar


class Command(BaseCommand):
    help = (
        "Import papers from a source: demo (bundled real arXiv records with the sample listings), "
        "sample (the listings alone), jsonl FILE, snapshot FILE (arXiv metadata "
        "snapshot), arxiv-oai --set SET (OAI-PMH harvest), arxiv-rss FEED (today's announcement feed) "
        "or arxiv-id ID... (arXiv API)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="source", required=True, metavar="SOURCE")
        sub.add_parser("demo", help="the bundled demo data (real arXiv records merged with the sample listings), "
                       "placed on the last 30 days' pages")
        sub.add_parser("sample", help="the bundled sample listings alone, placed on the last 30 days' pages")
        jsonl = sub.add_parser("jsonl", help="a JSON-lines file in the documented import format (.gz too)")
        jsonl.add_argument("file", type=Path)
        snapshot = sub.add_parser("snapshot", help="arXiv's metadata snapshot, JSON lines (.gz too), streamed")
        snapshot.add_argument("file", type=Path)
        snapshot.add_argument("--batch-size", type=int, default=None, help="papers per transaction (default 2000)")
        snapshot.add_argument(
            "--workers", type=int, default=None,
            help="processes that decode and validate while this one writes (default: one per core; 0: none)",
        )  # fmt: skip
        oai = sub.add_parser("arxiv-oai", help="incremental OAI-PMH harvest of one arXiv set")
        oai.add_argument("--set", dest="set_spec", default="", help="OAI set, e.g. cs, math, physics:hep-th")
        oai.add_argument("--from", dest="from_date", type=_date, default=None,
                         help="first datestamp (YYYY-MM-DD); default: after the set's last harvest")  # fmt: skip
        oai.add_argument("--until", type=_date, default=None, help="last datestamp (YYYY-MM-DD); default: today")
        oai.add_argument("--format", dest="metadata_prefix", default="arXivRaw", choices=["arXiv", "arXivRaw"])
        rss = sub.add_parser("arxiv-rss", help="arXiv's announcement feed of the day (rss.arxiv.org)")
        rss.add_argument("feed", help="categories joined by '+', e.g. cs.CL+cs.LG, or an archive (cs)")
        rss.add_argument("--file", type=Path, default=None, help="read a saved feed (RSS or Atom) instead")
        bio = sub.add_parser("biorxiv", help="bioRxiv or medRxiv postings of a date range (api.biorxiv.org)")
        bio.add_argument("--server", default="biorxiv", choices=["biorxiv", "medrxiv"])
        bio.add_argument("--from", dest="from_date", type=_date, default=None,
                         help="first day (YYYY-MM-DD); default: after the server's last harvest")  # fmt: skip
        bio.add_argument("--until", type=_date, default=None, help="last day (YYYY-MM-DD); default: today")
        bio_doi = sub.add_parser("biorxiv-doi", help="bioRxiv or medRxiv papers by DOI (10.1101/…)")
        bio_doi.add_argument("dois", nargs="+", metavar="DOI")
        bio_doi.add_argument("--server", default="biorxiv", choices=["biorxiv", "medrxiv"])
        full = sub.add_parser("full-text", help="fetch arXiv's HTML of papers the site has and store it as markdown")
        full.add_argument("ids", nargs="+", metavar="ID")
        by_id = sub.add_parser("arxiv-id", help="papers by arXiv id or URL, from the arXiv API")
        by_id.add_argument("ids", nargs="+", metavar="ID")

    def handle(self, *args, source, **options):
        if source == "demo":
            from dailypapers.ingest.sources.sample import demo_items

            report = self.run_pipeline("demo", demo_items())
        elif source == "sample":
            from dailypapers.ingest.sources.sample import sample_items

            report = self.run_pipeline("sample", sample_items())
        elif source == "jsonl":
            from dailypapers.ingest.sources.jsonl import jsonl_items

            path: Path = options["file"]
            if not path.is_file():
                raise CommandError(f"no such file: {path}")
            report = self.run_pipeline("jsonl", jsonl_items(path), detail=str(path))
        elif source == "snapshot":
            report = self.ingest_snapshot(options["file"], options["batch_size"], options["workers"])
        elif source == "arxiv-oai":
            from dailypapers.ingest.sources.arxiv_oai import SOURCE, HarvestError, OaiHarvest

            try:
                harvest = OaiHarvest(
                    options["set_spec"],
                    from_date=options["from_date"],
                    until=options["until"],
                    metadata_prefix=options["metadata_prefix"],
                )
                self.stderr.write(f"harvesting {harvest.detail} from {harvest.endpoint}")
                report = self.run_pipeline(SOURCE, harvest.items(), detail=harvest.detail)
            except HarvestError as exc:
                raise CommandError(f"{exc} (the checkpoint is kept: run the same command again to resume)") from exc
        elif source == "arxiv-rss":
            from dailypapers.ingest.sources.arxiv_rss import SOURCE, FeedError, feed_items
            from dailypapers.ingest.tasks import harvest_feed

            try:
                if options["file"] is None:
                    self.stdout.write(harvest_feed(options["feed"]))
                    return
                if not options["file"].is_file():
                    raise CommandError(f"no such file: {options['file']}")
                items = list(feed_items(options["file"].read_bytes(), options["feed"]))
            except FeedError as exc:
                raise CommandError(str(exc)) from exc
            report = self.run_pipeline(SOURCE, items, detail=f"feed {options['feed']} from {options['file']}")
        elif source == "biorxiv":
            from dailypapers.ingest.sources.biorxiv import BiorxivError, BiorxivHarvest

            try:
                harvest = BiorxivHarvest(options["server"], from_date=options["from_date"], until=options["until"])
                report = self.run_pipeline(options["server"], harvest.items(), detail=harvest.detail)
            except BiorxivError as exc:
                raise CommandError(f"{exc} (the checkpoint is kept: run the same command again to resume)") from exc
        elif source == "biorxiv-doi":
            from dailypapers.ingest.pipeline import SourceItem
            from dailypapers.ingest.sources.biorxiv import BiorxivError, fetch_doi
            from dailypapers.papers.identifiers import InvalidIdentifier

            items = []
            try:
                for doi in options["dois"]:  # fetch all first: offline means nothing written
                    record = fetch_doi(doi, options["server"])
                    where = f"{options['server']} {doi}"
                    items.append(SourceItem(location=where, data=record) if record else
                                 SourceItem(location=where, error=f"unknown DOI: {options['server']} has no paper {doi}"))  # fmt: skip
            except (BiorxivError, InvalidIdentifier) as exc:
                raise CommandError(str(exc)) from exc
            report = self.run_pipeline(options["server"], items, detail=" ".join(options["dois"]))
        elif source == "full-text":
            from dailypapers.ingest.fulltext import fetch_full_text
            from dailypapers.papers.identifiers import NotAnArxivId, parse_arxiv_reference
            from dailypapers.papers.models import Paper

            for ref in options["ids"]:
                try:
                    paper = Paper.objects.filter(pk=parse_arxiv_reference(ref)[0]).first()
                except NotAnArxivId as exc:
                    raise CommandError(str(exc)) from exc
                if paper is None:
                    raise CommandError(f"no paper {ref} on this site (import it first: ingest arxiv-id {ref})")
                stored = fetch_full_text(paper)
                self.stdout.write(f"{paper.id}: {stored.status}" + (f" ({stored.error})" if stored.error else ""))
            return
        elif source == "arxiv-id":
            from dailypapers.ingest.sources.arxiv_api import ArxivLookupError, arxiv_id_items
            from dailypapers.papers.identifiers import NotAnArxivId, parse_arxiv_reference

            try:
                ids = [parse_arxiv_reference(ref)[0] for ref in options["ids"]]
                items = list(arxiv_id_items(ids))  # fetch first: offline means nothing written
            except (NotAnArxivId, ArxivLookupError) as exc:
                raise CommandError(str(exc)) from exc
            report = self.run_pipeline("arxiv-api", items, detail=" ".join(ids))
        else:  # argparse only lets known sources through
            raise CommandError(f"unknown source {source!r}")
        self.print_report(report)

    def run_pipeline(
        self, source: str, items, *, detail: str = "", total: int | None = None, **options
    ) -> IngestReport:
        with progress_bar(f"ingest {source}", total, stream=self.stderr._out) as update:

            def on_index(name: str, seconds: float | None) -> None:
                # After the last record of a bootstrap: the indexes deferred during it (ingest.bulkload).
                note = f"building index {name} …" if seconds is None else f"built index {name} in {seconds:.1f} s"
                update(pipeline.report.seen, extra=note)

            pipeline = IngestPipeline(
                source, detail=detail, on_progress=lambda r: update(r.seen), on_index=on_index, **options
            )
            return pipeline.run(items)

    def ingest_snapshot(self, path: Path, batch_size: int | None, workers: int | None) -> IngestReport:
        from dailypapers.ingest.parallel import default_workers
        from dailypapers.ingest.sources.snapshot import SOURCE, estimate_records, validated_snapshot_items

        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        if (batch_size is not None and batch_size < 1) or (workers is not None and workers < 0):
            raise CommandError("--batch-size must be at least 1 and --workers at least 0")
        total = estimate_records(path)
        if total:
            self.stderr.write(f"{path}: about {total:,} records")
        items = validated_snapshot_items(path, workers=default_workers() if workers is None else workers)
        return self.run_pipeline(
            SOURCE, items, detail=str(path), total=total, batch_size=batch_size or 2000, bulk_load=True
        )

    def print_report(self, report: IngestReport) -> None:
        self.stdout.write(report.summary())
        if report.rejected:
            for kind, count in sorted(report.reason_counts.items(), key=lambda kv: -kv[1]):
                self.stdout.write(f"  {count} × {kind}")
            for where, reason in report.rejections[:20]:
                self.stdout.write(f"  rejected {where}: {reason}")
            if report.rejected > 20:
                self.stdout.write(f"  … {report.rejected - 20} more in the admin (Ingest › Quarantined records)")


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None
