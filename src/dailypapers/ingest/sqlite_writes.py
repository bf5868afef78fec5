"""The SQLite fast path of the writer: new papers and authorships with executemany.

The ORM's per-object work (model instances, per-value preparation) was ~2/3 of a snapshot import's
time. What is written here must equal what the ORM path (``writer.IngestPipeline._paper``) writes:
``tests/ingest/test_fast_write_path.py`` compares the two.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import connection

from dailypapers.ingest.insert_rows import PAPER_INSERT_COLUMNS, paper_rows
from dailypapers.ingest.records import ValidatedItem
from dailypapers.papers.models import Organization, Paper


def insert_papers(
    items: list[ValidatedItem], source: str, organization: Callable[[tuple[str, str] | None], Organization | None]
) -> None:
    """INSERT these new papers; ``organization`` gives the row of a record's organization."""
    adapt = sqlite_datetime if connection.timezone_name == "UTC" else connection.ops.adapt_datetimefield_value
    columns = PAPER_INSERT_COLUMNS
    executemany(
        f"INSERT INTO {Paper._meta.db_table} ({', '.join(columns)}) VALUES ({', '.join(['?'] * len(columns))})",
        paper_rows(items, source, organization, adapt),
    )


def executemany(sql: str, rows: list[tuple]) -> None:
    """executemany on the sqlite3 connection itself, inside the current Django transaction.

    Django's cursor wrapper costs ~3 µs a row on top of SQLite's own ~5 (it re-iterates and
    converts every parameter row): a third of the authorship inserts of a snapshot import.
    """
    connection.ensure_connection()
    connection.connection.executemany(sql, rows)


def sqlite_datetime(value: dt.datetime | None) -> str | None:
    """What Django's SQLite backend stores for an aware datetime on a UTC connection, minus its overhead."""
    if value is None:
        return None
    if value.tzinfo is not dt.timezone.utc:  # nearly every record's dates are UTC already
        value = value.astimezone(dt.timezone.utc)
    return value.isoformat(" ")[:-6]  # "YYYY-MM-DD HH:MM:SS[.ffffff]" without "+00:00"

