"""The fast write paths (SQLite executemany, PostgreSQL COPY) store exactly what the ORM path stores."""

import pytest
from django.db import connection
from django.db.models import GeneratedField

from bench.synthetic import generate_snapshot_records, snapshot_to_import
from dailypapers.ingest import insert_rows, sqlite_writes
from dailypapers.ingest.orm_writes import OrmWrites
from dailypapers.ingest.pipeline import IngestPipeline, SourceItem
from dailypapers.ingest.writer import row_writer_for
from dailypapers.papers.models import Authorship, Paper

pytestmark = pytest.mark.django_db


def test_insert_columns_cover_the_paper_table():
    columns = {f.column for f in Paper._meta.concrete_fields if not isinstance(f, GeneratedField)}
    assert set(insert_rows.PAPER_INSERT_COLUMNS) == columns


def snapshot(fast: bool, records) -> list:
    Paper.objects.all().delete()
    pipe = IngestPipeline("arxiv-snapshot", batch_size=7, row_writer=row_writer_for(connection.vendor) if fast else OrmWrites)
    pipe.run(SourceItem(location=str(i), data=snapshot_to_import(r)) for i, r in enumerate(records))
    return stored_rows()


def stored_rows() -> list:
    """Every paper row (but its timestamps) and authorship as stored: what both write paths must agree on."""
    papers = list(Paper.objects.order_by("pk").values())
    for p in papers:
        del p["created_at"], p["modified_at"]
    authors = list(Authorship.objects.order_by("paper_id", "position").values_list("paper_id", "author__name", "position", "name"))
    return [papers, authors]


def test_each_database_has_its_fast_path():
    assert row_writer_for(connection.vendor) is not OrmWrites
    assert IngestPipeline("x").rows.vendor == connection.vendor


def test_fast_path_matches_orm_path():
    records = list(generate_snapshot_records(40, seed=3))
    records[5]["organization"] = None
    assert snapshot(True, records) == snapshot(False, records)
    assert Paper.objects.count() == 40


def test_fast_path_matches_orm_path_with_collaboration_sized_author_lists():
    # Above JSON_AUTHORS_MAX authors a paper's authorships are inserted one row each (json_extract is
    # quadratic in the list's length): the same rows, in the same order, as the ORM path.
    records = list(generate_snapshot_records(12, seed=5))
    many = sqlite_writes.JSON_AUTHORS_MAX + 700
    for i in (3, 4, 9):  # two big ones in a row, small ones between
        records[i]["authors_parsed"] = [[f"Member{i}x{n}", "A.", ""] for n in range(many)]
        records[i]["authors"] = ", ".join(f"A. Member{i}x{n}" for n in range(many))
    stored, order = [], []
    for fast in (True, False):
        stored.append(snapshot(fast, records))
        order.append(list(Authorship.objects.order_by("id").values_list("paper_id", "position", "name")))
        assert [len(Paper.objects.get(pk=records[i]["id"]).ordered_authors()) for i in (3, 4, 9)] == [many] * 3
    assert stored[0] == stored[1] and order[0] == order[1]
