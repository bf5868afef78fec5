"""``dailypapers backup FILE``: a consistent copy of the site's database (ops.backup)."""

from __future__ import annotations

from contextlib import ExitStack

from django.core.management.base import BaseCommand, CommandError

from dailypapers.lib.progress import progress_bar


class Command(BaseCommand):
    help = "Back up the database to FILE: SQLite's online backup (the site keeps running), or pg_dump -Fc on PostgreSQL."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, verbosity=1, **options):
        from dailypapers.ops.backup import INDEX_NOTE, BackupError, backup

        with ExitStack() as stack:
            bar = stack.enter_context(progress_bar("backing up", None, stream=self.stderr._out, unit="pages")) if verbosity else None
            try:
                kind = backup(file, on_progress=(lambda done, _total: bar(done)) if bar else None)
            except BackupError as exc:
                raise CommandError(str(exc)) from exc
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Backed up the database to {file} ({kind})."))
            self.stdout.write(INDEX_NOTE)
            self.stdout.write("Uploaded files (avatars, logos) are in the file storage (MEDIA_ROOT or the bucket): back that up too.")
