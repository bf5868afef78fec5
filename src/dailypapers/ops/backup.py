"""``dailypapers backup FILE`` / ``restore FILE``: a consistent copy of the site's database.

SQLite: the online backup API (``sqlite3.Connection.backup``), page by page, while the site keeps
serving; the file is itself a SQLite database. PostgreSQL: ``pg_dump -Fc`` / ``pg_restore``
(Debian's ``postgresql-client``, of a version no older than the server's).

What a backup leaves out, on purpose: the search indexes (files under ``DATA_DIR/search``, or
tables the PostgreSQL backend rebuilds) are caches of the papers table and are rebuilt after a
restore (``dailypapers index rebuild``; the worker also rebuilds one that disagrees with the table);
the page cache; uploaded files, which live in the file storage (``MEDIA_ROOT`` or a bucket) and are
backed up with it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

from django.db import connection

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
INDEX_NOTE = ("Search indexes are not in the backup: they are caches of the papers table, rebuilt by "
              "`dailypapers index rebuild` (the worker also rebuilds an index that disagrees with the table).")


class BackupError(Exception):
    pass


Progress = Callable[[int, int], None]  # (pages done, pages in all)


def backup(path: Path, on_progress: Progress | None = None) -> str:
    """Write the site's database to ``path`` (replaced only once complete); returns the format."""
    path = Path(path)
    if connection.vendor == "sqlite":
        _sqlite_copy(Path(connection.settings_dict["NAME"]), path, on_progress, read_only_source=True)
        return "sqlite"
    if connection.vendor == "postgresql":
        tmp = path.with_name(path.name + ".partial")
        _run_pg("pg_dump", ["--format=custom", "--no-owner", f"--file={tmp}"])
        os.replace(tmp, path)
        return "pg_dump custom"
    raise BackupError(f"backups of {connection.vendor} databases are not supported")


def restore(path: Path, on_progress: Progress | None = None) -> str:
    """Replace the site's database by the backup at ``path``; returns the format."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror}") from exc
    if connection.vendor == "sqlite":
        if head != SQLITE_MAGIC:
            hint = " (it is a pg_dump file: restore it into PostgreSQL)" if head.startswith(PG_CUSTOM_MAGIC) else ""
            raise BackupError(f"{path} is not a SQLite backup{hint}")
        _check_sqlite_backup(path)
        connection.close()
        _sqlite_copy(path, Path(connection.settings_dict["NAME"]), on_progress, read_only_source=False)
        return "sqlite"
    if connection.vendor == "postgresql":
        if not head.startswith(PG_CUSTOM_MAGIC):
            raise BackupError(f"{path} is not a pg_dump custom-format file" + (
                " (it is a SQLite database: move it with `dailypapers db move`)" if head == SQLITE_MAGIC else ""))
        connection.close()
        _run_pg("pg_restore", ["--clean", "--if-exists", "--no-owner", "--single-transaction", str(path)], dbname_flag=True)
        return "pg_dump custom"
    raise BackupError(f"restoring {connection.vendor} databases is not supported")


def _check_sqlite_backup(path: Path) -> None:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if source.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(f"{path} is damaged (SQLite's quick_check fails)")
        if not source.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'").fetchone():
            raise BackupError(f"{path} is a SQLite database, but not a Daily Papers one (no django_migrations table)")
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: {exc}") from exc
    finally:
        source.close()


def _sqlite_copy(source_path: Path, target_path: Path, on_progress: Progress | None, *, read_only_source: bool) -> None:
    """SQLite's online backup from one file into another. Into a new file: written beside it and
    renamed when complete. Into the live database (a restore): through SQLite, so that processes
    holding it open see the restored content, not a file swapped under them."""
    restoring_live = not read_only_source
    destination_path = target_path if restoring_live else target_path.with_name(target_path.name + ".partial")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True) if read_only_source else sqlite3.connect(source_path)
    destination = sqlite3.connect(destination_path, timeout=60)
    try:
        def progress(_status, remaining, total):
            if on_progress:
                on_progress(total - remaining, total)

        # One step: the copy reads a single snapshot (WAL lets the site keep writing meanwhile). In
        # several steps SQLite restarts a backup whenever another connection writes the source, so
        # on a busy site it might never finish.
        source.backup(destination, pages=-1, progress=progress)
        if not restoring_live:
            # The copy keeps the source's WAL mode; a backup file is read alone, so make it one file.
            destination.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite backup from {source_path} to {target_path} failed: {exc}") from exc
    finally:
        destination.close()
        source.close()
    if not restoring_live:
        os.replace(destination_path, target_path)


def _run_pg(tool: str, arguments: list[str], *, dbname_flag: bool = False) -> None:
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(f"{tool} is not installed (Debian: apt-get install postgresql-client, of the server's major version or newer)")
    settings = connection.settings_dict
    env = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if settings.get(key):
            env[variable] = str(settings[key])  # the password through the environment, not the command line
    database = ["--dbname", settings["NAME"]] if dbname_flag else [settings["NAME"]]
    result = subprocess.run([executable, *arguments, *database], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{tool} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")
