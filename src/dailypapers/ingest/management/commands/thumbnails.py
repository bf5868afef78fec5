"""`dailypapers thumbnails`: render papers' first pages now (what the worker's daily run does), or
one paper's from a PDF file at hand."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Render thumbnails (first PDF page) of recent papers' PDFs from arXiv, at the site's arXiv request "
        "rate; or --pdf FILE --paper ID for one paper from a local PDF (no network)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.DAILYPAPERS_THUMBNAIL_DAYS,
                            help="papers on the pages of the last DAYS days (default DAILYPAPERS_THUMBNAIL_DAYS)")
        parser.add_argument("--limit", type=int, default=settings.DAILYPAPERS_THUMBNAILS_PER_RUN,
                            help="at most this many PDFs (default DAILYPAPERS_THUMBNAILS_PER_RUN)")
        parser.add_argument("--pdf", type=Path, help="render this PDF file instead of fetching")
        parser.add_argument("--paper", help="the paper the --pdf file is of")

    def handle(self, *args, days, limit, pdf, paper, **options):
        from dailypapers.ingest.thumbnails import make_thumbnails
        from dailypapers.papers.models import Paper
        from dailypapers.papers.thumbnails import ThumbnailError, render_first_page, store_thumbnail

        if pdf or paper:
            if not (pdf and paper):
                raise CommandError("--pdf and --paper go together")
            if not pdf.is_file():
                raise CommandError(f"no such file: {pdf}")
            found = Paper.objects.filter(pk=paper).first()
            if found is None:
                raise CommandError(f"no paper {paper!r} here")
            try:
                name = store_thumbnail(found, render_first_page(pdf.read_bytes()))
            except ThumbnailError as exc:
                raise CommandError(f"{pdf}: {exc}") from exc
            self.stdout.write(f"{paper}: thumbnail {name}")
            return
        run = make_thumbnails(days, limit)
        for paper_id, why in {**run.failed, **run.unavailable}.items():
            self.stderr.write(f"  {paper_id}: {why}")
        self.stdout.write(f"thumbnails: {run.summary()}")
