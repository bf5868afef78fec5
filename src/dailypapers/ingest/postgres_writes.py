"""The PostgreSQL fast path of the writer: new papers and authorships with COPY.

Through the ORM a snapshot import into PostgreSQL ran at ~600 records/s, half of it building
~10 Authorship instances a paper and quoting them into one huge INSERT (``bulk_create``). COPY
streams the same rows. What is written here must equal what the ORM path writes:
``tests/ingest/test_fast_write_path.py`` compares the two on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import connection

from dailypapers.ingest.insert_rows import PAPER_INSERT_COLUMNS, paper_rows
from dailypapers.ingest.records import ValidatedItem
from dailypapers.papers.models import Author, Authorship, Organization, Paper

AUTHORSHIP_COLUMNS = ["paper_id", "author_id", "position", "name"]


def copy_rows(table: str, columns: list[str], rows: Iterable[tuple]) -> None:
    """COPY ``rows`` into ``table`` inside the current transaction (psycopg adapts each value)."""
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def copy_papers(
    items: list[ValidatedItem], source: str, organization: Callable[[tuple[str, str] | None], Organization | None]
) -> None:
    copy_rows(Paper._meta.db_table, PAPER_INSERT_COLUMNS, paper_rows(items, source, organization, lambda value: value))


def copy_authorships(rows: Iterable[tuple]) -> None:
    """(paper id, author id, position, name as spelled on this paper) rows."""
    copy_rows(Authorship._meta.db_table, AUTHORSHIP_COLUMNS, rows)


def insert_authors(names: list[str], normalized: list[str]) -> list[tuple[str, int]]:
    """New authors (as written, normalized) in one statement: their (normalized name, id) pairs."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Author._meta.db_table} (name, normalized_name) SELECT * FROM unnest(%s::text[], %s::text[])"
            " RETURNING normalized_name, id",
            [names, normalized],
        )
        return cursor.fetchall()
