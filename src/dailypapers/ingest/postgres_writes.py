"""The PostgreSQL row writer: new papers, authors and authorships with COPY and one INSERT.

Through the ORM a snapshot import into PostgreSQL ran at ~600 records/s, half of it building
~10 Authorship instances a paper and quoting them into one huge INSERT (``bulk_create``). COPY
streams the same rows. What is written here must equal what the ORM path (``orm_writes.OrmWrites``)
writes: ``tests/ingest/test_fast_write_path.py`` compares the two on PostgreSQL. Stored hashes
are read through the ORM (``OrmWrites.stored_hashes``), as they always were here.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from dailypapers.ingest import insert_rows
from dailypapers.ingest.insert_rows import PAPER_INSERT_COLUMNS, paper_rows
from dailypapers.ingest.orm_writes import OrmWrites
from dailypapers.ingest.records import ValidatedItem
from dailypapers.papers.models import Author, Authorship, Paper

AUTHORSHIP_COLUMNS = ["paper_id", "author_id", "position", "name"]


class PostgresWrites(OrmWrites):
    vendor = "postgresql"

    def insert_papers(self, items: list[ValidatedItem]) -> None:
        copy_rows(Paper._meta.db_table, PAPER_INSERT_COLUMNS, paper_rows(items, self.source, self.organization, lambda value: value))

    def lookup_authors(self, normalized: list[str], known: dict[str, int]) -> None:
        insert_rows.lookup_authors(normalized, known)

    def insert_authors(self, names: dict[str, str], missing: list[str], known: dict[str, int]) -> None:
        """New authors in one statement (unnest of the spellings and the normalized names)."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {Author._meta.db_table} (name, normalized_name) SELECT * FROM unnest(%s::text[], %s::text[])"
                " RETURNING normalized_name, id",
                [[names[n] for n in missing], missing],
            )
            known.update(cursor.fetchall())

    def insert_authorships(self, items: list[ValidatedItem], known: dict[str, int]) -> None:
        copy_rows(Authorship._meta.db_table, AUTHORSHIP_COLUMNS, (
            (item.record.id, known[key], pos, name)
            for item in items for pos, (key, name) in enumerate(zip(item.author_keys, item.record.authors))
        ))  # fmt: skip


def copy_rows(table: str, columns: list[str], rows: Iterable[tuple]) -> None:
    """COPY ``rows`` into ``table`` inside the current transaction (psycopg adapts each value)."""
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
