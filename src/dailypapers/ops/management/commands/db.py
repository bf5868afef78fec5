"""``dailypapers db move --to postgres://…``: move the site's database into PostgreSQL (ops.move)."""

from __future__ import annotations

import sys
from contextlib import ExitStack

from django.core.management.base import BaseCommand, CommandError

from dailypapers.lib.progress import progress_bar


class Command(BaseCommand):
    help = "Database operations: move (stream every table into an empty PostgreSQL with COPY)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        move = sub.add_parser("move", help="copy every table into an empty PostgreSQL database (COPY, in batches), then verify row counts")
        move.add_argument("--to", required=True, dest="url", help="the target, postgres://user:password@host:port/name")
        move.add_argument("--truncate", action="store_true", help="empty the target's tables first, even when they hold data")
        move.add_argument("--no-migrate", action="store_true", help="do not migrate the target first (it must be migrated already)")
        move.add_argument("--batch", type=int, default=5000, help="rows read per batch (default 5000)")

    def handle(self, *args, action, **options):
        if action == "move":
            self._move(**options)

    def _move(self, url, truncate, no_migrate, batch, verbosity=1, **_options):
        from dailypapers.ops.move import MoveError, move_database

        with ExitStack() as stack:
            bar = {}

            def on_total(total):
                if verbosity:
                    bar["update"] = stack.enter_context(progress_bar("moving", total, stream=self.stderr._out, unit="rows"))

            def on_progress(done, table):
                if "update" in bar:
                    bar["update"](done, table)

            def on_stage(text):
                if verbosity:
                    print(f"{text} …", file=self.stderr._out, flush=True)

            try:
                report = move_database(url, truncate=truncate, migrate=not no_migrate, batch_rows=batch,
                                       on_progress=on_progress, on_stage=on_stage, total_callback=on_total)
            except MoveError as exc:
                raise CommandError(str(exc)) from exc
        if verbosity:
            for table, rows in report.tables.items():
                if rows:
                    self.stdout.write(f"{table:>40}: {rows:,}")
            self.stdout.write(self.style.SUCCESS(
                f"Moved {report.rows:,} rows in {len(report.tables)} tables in {report.seconds:.1f} s "
                f"({report.rows_per_second:,.0f} rows/s, peak RSS {report.peak_rss_mb:,.0f} MB); row counts verified."))
            self.stdout.write("Next: set DATABASE_URL to the target for every process, then `dailypapers index rebuild` "
                              "(search indexes are caches of the tables and are not moved).")
        sys.stdout.flush()
