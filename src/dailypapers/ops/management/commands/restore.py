"""``dailypapers restore FILE``: replace the site's database by a backup (ops.backup)."""

from __future__ import annotations

import sys
from contextlib import ExitStack

from django.core.management.base import BaseCommand, CommandError

from dailypapers.lib.progress import progress_bar


class Command(BaseCommand):
    help = "Replace the database by a backup made with `dailypapers backup` (SQLite file, or pg_dump custom format)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--yes", action="store_true", help="do not ask before replacing the database")

    def handle(self, *args, file, yes, verbosity=1, **options):
        from django.core.management import call_command
        from django.db import connection

        from dailypapers.lib.pagecache import bump_content_version
        from dailypapers.ops.backup import INDEX_NOTE, BackupError, restore

        if not yes:
            if not sys.stdin.isatty():
                raise CommandError("restore replaces the whole database: pass --yes to confirm")
            answer = input(f"Replace the {connection.vendor} database {connection.settings_dict['NAME']} by {file}? [y/N] ")
            if answer.strip().lower() not in {"y", "yes"}:
                raise CommandError("not restored")
        with ExitStack() as stack:
            bar = stack.enter_context(progress_bar("restoring", None, stream=self.stderr._out, unit="pages")) if verbosity else None
            try:
                kind = restore(file, on_progress=(lambda done, _total: bar(done)) if bar else None)
            except BackupError as exc:
                raise CommandError(str(exc)) from exc
        # A backup of an older version: bring its schema up to this one.
        call_command("migrate", interactive=False, verbosity=0)
        bump_content_version()  # pages cached from the replaced database must not be served
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Restored the database from {file} ({kind})."))
            self.stdout.write(INDEX_NOTE)
