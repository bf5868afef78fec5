"""``dailypapers enrich``: links and keywords for papers already in the database (the back catalogue)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from dailypapers.enrichment.services import enrich, enrich_catalogue


class Command(BaseCommand):
    help = "Find code/Hub/project links and keywords of stored papers (all of them, or the ones given)."

    def add_arguments(self, parser):
        parser.add_argument("paper_ids", nargs="*", help="only these papers (default: every paper)")
        parser.add_argument("--missing", action="store_true", help="only papers without keywords yet")
        parser.add_argument("--links-only", action="store_true", help="skip keywords (links take ~0.1 ms a paper, keywords ~9 ms)")
        parser.add_argument("--after", default="", help="start after this paper id (resume an interrupted run)")
        parser.add_argument("--slice", type=int, default=5000, help="papers per transaction (default 5000)")

    def handle(self, *args, paper_ids, missing, links_only, after, slice, **options):
        if slice < 1:
            raise CommandError("--slice must be at least 1")
        started = time.monotonic()
        if paper_ids:
            report = enrich(paper_ids, keywords=not links_only)
            self.stdout.write(f"{report.papers} papers: keywords changed on {report.keywords}, shown links on {report.links}")
            return
        total = keyworded = linked = 0
        while True:
            report, last = enrich_catalogue(after, slice, keywords=not links_only, missing_only=missing)
            if not last:
                break
            after = last
            total, keyworded, linked = total + report.papers, keyworded + report.keywords, linked + report.links
            rate = total / max(time.monotonic() - started, 1e-9)
            self.stdout.write(f"{total} papers ({rate:.0f}/s), up to {last}: keywords changed on {keyworded}, shown links on {linked}")
        self.stdout.write(self.style.SUCCESS(f"done: {total} papers, keywords changed on {keyworded}, shown links on {linked}"))
