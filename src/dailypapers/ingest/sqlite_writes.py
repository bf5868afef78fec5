"""The SQLite fast path of the writer: new papers and authorships with executemany.

The ORM's per-object work (model instances, per-value preparation) was ~2/3 of a snapshot import's
time. What is written here must equal what the ORM path (``writer.IngestPipeline._paper``) writes:
``tests/ingest/test_fast_write_path.py`` compares the two.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import connection
from django.utils import timezone

from dailypapers.ingest.records import PAPER_FIELDS, ValidatedItem
from dailypapers.papers.models import Organization, Paper

# In the order of the rows insert_papers builds.
PAPER_INSERT_COLUMNS = [
    "id", *(Paper._meta.get_field(name).column for name in PAPER_FIELDS), "member_upvotes", "num_comments",
    "created_at", "modified_at",
]  # fmt: skip


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


def paper_rows(
    items: list[ValidatedItem], source: str, organization: Callable[[tuple[str, str] | None], Organization | None],
    adapt: Callable[[dt.datetime | None], object],
) -> list[tuple]:
    """The rows of these new papers in ``PAPER_INSERT_COLUMNS`` order, datetimes through ``adapt``
    (also the PostgreSQL COPY path's rows: ``postgres_writes``)."""
    now = adapt(timezone.now())
    rows = []
    for item in items:
        r = item.record
        org = organization(r.organization)
        rows.append((
            r.id, source, r.title, r.abstract, adapt(r.published_at), adapt(r.updated_at), r.version,
            # json.dumps' output: categories are plain ASCII (is_category), nothing to escape.
            '["' + '", "'.join(r.categories) + '"]' if r.categories else "[]", r.primary_category, r.doi, r.journal_ref,
            r.comments, r.license, r.report_no, adapt(r.withdrawn_at), r.github_repo, r.project_page, r.listed_author_count, r.imported_upvotes,
            org.pk if org else None, item.content_hash, 0, 0, now, now,
        ))  # fmt: skip
    return rows


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

