"""The SQLite row writer: new papers, authors and authorships with executemany.

The ORM's per-object work (model instances, per-value preparation) was ~2/3 of a snapshot import's
time. What is written here must equal what the ORM path (``orm_writes.OrmWrites``) writes:
``tests/ingest/test_fast_write_path.py`` compares the two.
"""

from __future__ import annotations

import datetime as dt

import orjson
from django.db import connection

from dailypapers.ingest import insert_rows
from dailypapers.ingest.insert_rows import PAPER_INSERT_COLUMNS, paper_rows
from dailypapers.ingest.orm_writes import OrganizationOf, OrmWrites
from dailypapers.ingest.records import ValidatedItem
from dailypapers.papers.models import Author, Authorship, Paper

JSON_AUTHORS_MAX = 500  # measured: below this json_each + json_extract is the cheaper a row, above it the walk costs more


class SqliteWrites(OrmWrites):
    vendor = "sqlite"

    def __init__(self, source: str, organization: OrganizationOf):
        super().__init__(source, organization)
        # True while the writer's author cache holds every author up to max_author_id: a name
        # missing from it is then known to be new without asking the database.
        self.authors_complete: bool | None = None  # None: not decided yet
        self.max_author_id = 0

    def stored_hashes(self, ids: list[str]) -> dict[str, str]:
        table, found = Paper._meta.db_table, {}
        with connection.cursor() as cursor:
            for i in range(0, len(ids), 5000):  # well under SQLite's variable limit (32,766 since 3.32)
                chunk = ids[i : i + 5000]
                cursor.execute(f"SELECT id, content_hash FROM {table} WHERE id IN ({', '.join(['%s'] * len(chunk))})", chunk)
                found.update(cursor.fetchall())
        return found

    def insert_papers(self, items: list[ValidatedItem]) -> None:
        adapt = sqlite_datetime if connection.timezone_name == "UTC" else connection.ops.adapt_datetimefield_value
        columns = PAPER_INSERT_COLUMNS
        executemany(
            f"INSERT INTO {Paper._meta.db_table} ({', '.join(columns)}) VALUES ({', '.join(['?'] * len(columns))})",
            paper_rows(items, self.source, self.organization, adapt),
        )

    def lookup_authors(self, normalized: list[str], known: dict[str, int]) -> None:
        insert_rows.lookup_authors(normalized, known)

    def insert_authors(self, names: dict[str, str], missing: list[str], known: dict[str, int]) -> None:
        table = Author._meta.db_table
        with connection.cursor() as cursor:
            # The transaction holds SQLite's write lock: the ids after this one are ours to give.
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            first = cursor.fetchone()[0] + 1
        ids = range(first, first + len(missing))
        executemany(
            f"INSERT INTO {table} (id, name, normalized_name) VALUES (?, ?, ?)",
            [(pk, names[n], n) for pk, n in zip(ids, missing)],
        )
        known.update(zip(missing, ids))
        # Every author up to here is now known (refresh_authors read the others' ones).
        self.max_author_id = ids[-1]

    def insert_authorships(self, items: list[ValidatedItem], known: dict[str, int]) -> None:
        # One statement per paper, SQLite expanding its author ids (json_each: position = index) and
        # taking each name as spelled from a second array: a fifth cheaper than one per authorship, of
        # which a snapshot has ~6 a paper. (Two flat arrays: measured cheaper than [id, name] pairs.)
        # json_extract finds element k by walking the array, so a collaboration paper's thousands of
        # authors would cost quadratic time (3,000: ~9 ms against ~2 ms one row each): papers with more than
        # JSON_AUTHORS_MAX authors get one row per authorship instead, in the same order.
        table = Authorship._meta.db_table
        by_paper: list[tuple] = []
        for item in items:
            if len(item.author_keys) <= JSON_AUTHORS_MAX:
                ids = orjson.dumps([known[key] for key in item.author_keys]).decode()
                by_paper.append((item.record.id, ids, orjson.dumps(item.record.authors).decode()))
                continue
            _insert_authorships(table, by_paper, [
                (item.record.id, known[key], pos, name) for pos, (key, name) in enumerate(zip(item.author_keys, item.record.authors))
            ])  # fmt: skip
            by_paper = []
        _insert_authorships(table, by_paper, [])

    def knows_every_author(self) -> bool:
        return bool(self.authors_complete)

    def refresh_authors(self, known: dict[str, int], limit: int) -> None:
        """On first use, cache every author if they fit (``limit``); then pick up authors others added."""
        if self.authors_complete is None:
            self.authors_complete = Author.objects.count() <= limit
        if self.authors_complete:
            after_id = self.max_author_id
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT id, normalized_name FROM {Author._meta.db_table} WHERE id > %s ORDER BY id", [after_id])
                for pk, norm in cursor.fetchall():
                    known.setdefault(norm, pk)  # the first author with a name wins, as in lookup_authors
                    after_id = pk
            self.max_author_id = max(self.max_author_id, after_id)

    def authors_forgotten(self) -> None:
        self.authors_complete = False


def _insert_authorships(table: str, by_paper: list[tuple], one_each: list[tuple]) -> None:
    """``by_paper`` rows (paper, author ids, names as JSON arrays), then ``one_each`` rows."""
    if by_paper:
        executemany(
            f"INSERT INTO {table} (paper_id, author_id, position, name)"
            " SELECT ?1, value, key, json_extract(?3, '$[' || key || ']') FROM json_each(?2)",
            by_paper,
        )
    if one_each:
        executemany(f"INSERT INTO {table} (paper_id, author_id, position, name) VALUES (?, ?, ?, ?)", one_each)


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
