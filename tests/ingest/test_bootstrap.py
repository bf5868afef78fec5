"""The snapshot bootstrap into SQLite: secondary indexes deferred to the end, and never lost.

An import into an empty papers table drops the non-unique indexes of authorships and authors (not
those of papers, which a snapshot fills in index order) and builds them after the last record (``ingest.bulkload``).
These tests check that it happens, that
it does not happen into a populated database, that the indexes come back however the import
ends (an exception, a SIGKILL of the real command), and who may rebuild them meanwhile.
"""

import gc
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from bench.synthetic import generate_snapshot_records
from dailypapers.cli import prepare_database
from dailypapers.ingest import bulkload
from dailypapers.ingest.models import DeferredIndex, IngestRun
from dailypapers.ingest.pipeline import IngestPipeline, SourceItem
from dailypapers.papers.models import Author, Authorship, Paper, normalize_person_name
from tests.ingest.test_parallel_import import write_snapshot

pytestmark = [
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite bulk-load path"),
    pytest.mark.django_db(transaction=True),  # pragmas and index DDL run outside a test transaction
]

ROOT = Path(__file__).resolve().parents[2]


def secondary_indexes(cursor_or_connection=None, table: str = "") -> set[str]:
    """Non-unique indexes (with a CREATE INDEX statement) of ``table`` (by default: those a bootstrap defers)."""
    tables = f"'{table}'" if table else "'papers_authorship', 'papers_author'"
    sql = f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({tables})"
    if cursor_or_connection is None:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            rows = cursor.fetchall()
    else:
        rows = cursor_or_connection.execute(sql).fetchall()
    return {name for name, ddl in rows if not ddl.upper().startswith("CREATE UNIQUE")}


def records(n: int, seed: int = 3) -> list[SourceItem]:
    from dailypapers.ingest.arxiv_format import snapshot_to_import

    return [SourceItem(f"line {i}", snapshot_to_import(r)) for i, r in enumerate(generate_snapshot_records(n, seed), 1)]


def test_bootstrap_builds_the_indexes_after_the_last_record():
    before, gc_threshold = secondary_indexes(), gc.get_threshold()
    assert before == {
        "papers_authorship_author_id_ac7ce411", "papers_author_normalized_name_a015c8d2", "papers_author_user_id_62b8d089"
    }
    paper_indexes = secondary_indexes(table="papers_paper")
    assert len(paper_indexes) >= 5  # published_at, primary_category, modified_at, upvotes, organization
    seen_mid_run, events = [], []

    def items():
        items = records(30)
        yield from items[:20]
        seen_mid_run.append((secondary_indexes(), set(DeferredIndex.objects.values_list("name", flat=True))))
        seen_mid_run.append(secondary_indexes(table="papers_paper"))
        seen_mid_run.append(gc.get_threshold())
        yield from items[20:]

    pipeline = IngestPipeline("test", batch_size=10, bulk_load=True, on_index=lambda n, s: events.append((n, s)))
    report = pipeline.run(items())
    assert report.created == 30
    [(present, recorded), papers_mid_run, gc_mid_run] = seen_mid_run
    assert present == set() and recorded == before  # dropped, and each one written down
    assert papers_mid_run == paper_indexes  # kept: cheaper row by row (see ingest.bulkload)
    assert secondary_indexes() == before and not DeferredIndex.objects.exists()
    # Each index reported when its build starts (None) and when it is done (seconds).
    assert [n for n, s in events if s is None] == sorted(before)
    assert {n for n, s in events if s is not None and s >= 0} == before
    # What the indexes serve works: every paper with its authors, in order.
    assert Authorship.objects.count() == sum(len(i.data["authors"]) for i in records(30))
    # The garbage collector ran rarely during the run, as usual after it.
    assert gc_mid_run[0] >= 100 * gc_threshold[0] and gc.get_threshold() == gc_threshold


def test_a_bootstrap_past_its_author_cache_builds_the_author_index_it_then_needs(monkeypatch):
    # Past the cache's bound the writer looks names up in the database, by the deferred index.
    monkeypatch.setattr(IngestPipeline, "MAX_CACHED_AUTHORS", 40)
    seen_mid_run, events = [], []

    def items():
        items = records(60)
        yield from items[:10]
        seen_mid_run.append(secondary_indexes(table="papers_author"))
        yield from items[10:]
        seen_mid_run.append(secondary_indexes(table="papers_author"))

    pipeline = IngestPipeline("test", batch_size=5, bulk_load=True, on_index=lambda n, s: events.append((n, s)))
    pipeline.run(items())
    names = [a for i in records(60) for a in i.data["authors"]]
    assert seen_mid_run[0] == set()  # deferred while every author fits the cache
    assert "papers_author_normalized_name_a015c8d2" in seen_mid_run[1]  # built once it no longer did
    built_first = [n for n, s in events if s is not None][:2]
    assert sorted(built_first) == ["papers_author_normalized_name_a015c8d2", "papers_author_user_id_62b8d089"]
    # Every name is one author, found again by name after the cache forgot it.
    assert Author.objects.count() == len({normalize_person_name(n) for n in names})
    assert Authorship.objects.count() == len(names)
    assert not DeferredIndex.objects.exists()


def test_import_into_a_populated_database_keeps_its_indexes():
    IngestPipeline("test").run(records(1, seed=9))
    before, seen_mid_run = secondary_indexes(), []

    def items():
        items = records(20)
        yield from items[:10]
        seen_mid_run.append(secondary_indexes())
        yield from items[10:]

    IngestPipeline("test", batch_size=5, bulk_load=True).run(items())
    assert seen_mid_run == [before] and secondary_indexes() == before


def test_a_failing_bootstrap_still_builds_its_indexes():
    before = secondary_indexes()

    def items():
        yield from records(15)
        raise RuntimeError("source broke")

    with pytest.raises(RuntimeError, match="source broke"):
        IngestPipeline("test", batch_size=5, bulk_load=True).run(items())
    assert Paper.objects.count() == 15  # the whole batches before the failure
    assert secondary_indexes() == before and not DeferredIndex.objects.exists()
    assert IngestRun.objects.get().status == "failed"


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_indexes_left_by_a_dead_import_are_built_by_the_next_run_or_serve():
    before = secondary_indexes()
    bulkload.drop_secondary_indexes()
    DeferredIndex.objects.update(pid=dead_pid())  # as if the importing process had been killed
    assert secondary_indexes() == set()
    prepare_database(load_sample=False, verbosity=0)  # what `dailypapers serve` runs first
    assert secondary_indexes() == before and not DeferredIndex.objects.exists()

    bulkload.drop_secondary_indexes()
    DeferredIndex.objects.update(pid=dead_pid())
    IngestPipeline("test").run(records(2))  # any ordinary ingest run (a harvest, a submission)
    assert secondary_indexes() == before and not DeferredIndex.objects.exists()


def test_indexes_of_a_running_import_are_left_to_it():
    before = secondary_indexes()
    bulkload.drop_secondary_indexes()
    importer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        DeferredIndex.objects.update(pid=importer.pid)
        assert bulkload.restore_deferred_indexes() == 0
        assert secondary_indexes() == set() and DeferredIndex.objects.count() == len(before)
    finally:
        importer.kill()
        importer.wait()
    assert bulkload.restore_deferred_indexes() == len(before)
    assert secondary_indexes() == before


def test_authorship_ids_are_the_plain_rowid_on_sqlite():
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'papers_authorship'")
        ddl = cursor.fetchone()[0]
    assert '"id" integer NOT NULL PRIMARY KEY' in ddl and "AUTOINCREMENT" not in ddl
    IngestPipeline("test").run(records(3))
    assert sorted(Authorship.objects.values_list("pk", flat=True)) == list(range(1, Authorship.objects.count() + 1))


def test_killed_bootstrap_resumes_and_ends_with_every_index(tmp_path):
    """SIGKILL the real command mid-import; the re-run finishes the papers and builds the indexes."""
    n = 6000
    snapshot = write_snapshot(tmp_path / "s.jsonl.gz", list(generate_snapshot_records(n, seed=4)))
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DAILYPAPERS_DATA_DIR=str(tmp_path / "data"), DJANGO_SETTINGS_MODULE="dailypapers.settings")
    command = [sys.executable, "-m", "dailypapers"]
    subprocess.run([*command, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    db = sqlite3.connect(tmp_path / "data" / "dailypapers.sqlite3", timeout=30)
    before = secondary_indexes(db)

    importer = subprocess.Popen(
        [*command, "ingest", "snapshot", str(snapshot), "--batch-size", "100", "--workers", "0"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while db.execute("SELECT COUNT(*) FROM papers_paper").fetchone()[0] < 500:
        assert importer.poll() is None and time.monotonic() < deadline, "the import ended before it could be killed"
        time.sleep(0.05)
    importer.send_signal(signal.SIGKILL)
    importer.wait()

    written = db.execute("SELECT COUNT(*) FROM papers_paper").fetchone()[0]
    assert 500 <= written < n
    recorded = db.execute("SELECT name, pid FROM ingest_deferredindex").fetchall()
    assert {name for name, _ in recorded} == before and {pid for _, pid in recorded} == {importer.pid}
    assert secondary_indexes(db) == set()

    rerun = subprocess.run(
        [*command, "ingest", "snapshot", str(snapshot), "--workers", "2"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert f"{n} records: {n - written} created, 0 updated, {written} unchanged, 0 rejected" in rerun.stdout
    assert "built index" in rerun.stderr  # progress says what the end of the run is doing
    assert secondary_indexes(db) == before
    assert db.execute("SELECT COUNT(*) FROM ingest_deferredindex").fetchone()[0] == 0
    # Every paper has all its authors, the killed run's ones included.
    expected = sum(len(r["authors_parsed"]) for r in generate_snapshot_records(n, seed=4))
    assert db.execute("SELECT COUNT(*) FROM papers_authorship").fetchone()[0] == expected
    # And the indexes are used again.
    plan = db.execute("EXPLAIN QUERY PLAN SELECT * FROM papers_authorship WHERE author_id = 1").fetchall()
    assert "INDEX" in " ".join(str(row) for row in plan)


def test_operators_see_deferred_indexes_in_the_admin(admin_client):
    bulkload.drop_secondary_indexes()
    try:
        page = admin_client.get("/admin/ingest/deferredindex/")
        assert page.status_code == 200
        assert "papers_authorship_author_id" in page.content.decode()
        assert admin_client.get("/admin/ingest/deferredindex/add/").status_code == 403  # read-only
    finally:
        bulkload.restore_deferred_indexes()
