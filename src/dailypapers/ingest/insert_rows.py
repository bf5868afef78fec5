"""What the fast row writers (``sqlite_writes``' executemany, ``postgres_writes``' COPY) share: new
papers as rows, built from the record field list, holding the values the ORM path writes
(``orm_writes.OrmWrites.paper``); and the author lookup in plain SQL."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable

from django.db import connection, models
from django.utils import timezone

from dailypapers.ingest.records import PAPER_FIELDS, RECORD_FIELDS, PaperRecord, ValidatedItem
from dailypapers.papers.models import Author, Organization, Paper

# In the order of the rows paper_rows builds: the id, PAPER_FIELDS, then what a new paper starts with.
PAPER_INSERT_COLUMNS = [
    "id", *(Paper._meta.get_field(name).column for name in PAPER_FIELDS), "member_upvotes", "num_comments",
    "keywords", "thumbnail", "thumbnail_failed_at", "created_at", "modified_at",
]  # fmt: skip
assert PAPER_FIELDS == ["source", *RECORD_FIELDS, "organization", "content_hash"], "paper_rows builds this order"

# The record's RECORD_FIELDS in one C call (a row is built for each of a snapshot's 3M papers).
_record_values = operator.itemgetter(*(PaperRecord._fields.index(name) for name in RECORD_FIELDS))
_DATETIMES = [i for i, name in enumerate(RECORD_FIELDS) if isinstance(Paper._meta.get_field(name), models.DateTimeField)]
_CATEGORIES = RECORD_FIELDS.index("categories")


def paper_rows(
    items: list[ValidatedItem], source: str, organization: Callable[[tuple[str, str] | None], Organization | None],
    adapt: Callable[[dt.datetime | None], object],
) -> list[tuple]:
    """The rows of these new papers in ``PAPER_INSERT_COLUMNS`` order, datetimes through ``adapt``."""
    now = adapt(timezone.now())
    rows = []
    for item in items:
        r = item.record
        values = list(_record_values(r))
        for i in _DATETIMES:
            values[i] = adapt(values[i])
        # json.dumps' output: categories are plain ASCII (is_category), nothing to escape.
        values[_CATEGORIES] = '["' + '", "'.join(r.categories) + '"]' if r.categories else "[]"
        org = organization(r.organization)
        # keywords "[]": enrichment finds them later; no thumbnail yet (papers.thumbnails renders it).
        rows.append((r.id, source, *values, org.pk if org else None, item.content_hash, 0, 0, "[]", "", None, now, now))
    return rows


def lookup_authors(normalized: list[str], known: dict[str, int]) -> None:
    """``OrmWrites.lookup_authors`` in plain SQL: the ids of existing authors with these normalized
    names go into ``known`` (first one wins)."""
    table = Author._meta.db_table
    with connection.cursor() as cursor:
        for i in range(0, len(normalized), 500):  # stay under SQLite's variable limit
            chunk = normalized[i : i + 500]
            cursor.execute(
                f"SELECT id, normalized_name FROM {table} WHERE normalized_name IN ({', '.join(['%s'] * len(chunk))})"
                " ORDER BY id",
                chunk,
            )
            for pk, norm in cursor.fetchall():
                known.setdefault(norm, pk)
