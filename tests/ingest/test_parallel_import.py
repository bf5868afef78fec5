"""The snapshot bootstrap's fast path: worker processes, SQLite bulk-load settings, the author cache.

Each test compares against the plain in-process pipeline or checks a property the fast path could
break (order, rejection reasons, crash atomicity, settings restored, authors not duplicated).
"""

import gzip
import json
import os

import pytest
from django.core.management import call_command
from django.db import connection

from bench.synthetic import generate_snapshot_records
from dailypapers.ingest.models import IngestRun, QuarantinedRecord
from dailypapers.ingest.pipeline import IngestPipeline, SourceItem, normalize_record
from dailypapers.ingest.sources import jsonl as jsonl_source
from dailypapers.ingest.sources import snapshot as snapshot_source
from dailypapers.papers.models import Author, Authorship, Paper


def write_snapshot(path, records, extra_lines=()):
    lines = [json.dumps(r) for r in records]
    for position, line in extra_lines:
        lines.insert(position, line)
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(lines) + "\n")
    return path


def database_state():
    papers = list(Paper.objects.order_by("pk").values())
    for p in papers:
        del p["created_at"], p["modified_at"]
    authorships = list(
        Authorship.objects.order_by("paper_id", "position").values_list("paper_id", "author__normalized_name", "position")
    )
    quarantine = list(QuarantinedRecord.objects.order_by("location").values_list("location", "reason", "raw_excerpt"))
    return papers, authorships, Author.objects.count(), quarantine


@pytest.mark.django_db
def test_workers_write_exactly_what_one_process_writes(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(jsonl_source, "BLOCK_BYTES", 5_000)  # a few lines a block: order across blocks matters
    records = list(generate_snapshot_records(60, seed=5))
    duplicate = {**records[3], "title": "A later copy wins"}
    path = write_snapshot(
        tmp_path / "s.jsonl.gz",
        [*records, duplicate],
        extra_lines=[(10, "{broken"), (20, json.dumps({**records[0], "id": "not an id"})), (30, "[1]")],
    )
    states, outputs = [], []
    for workers in ("0", "2"):
        Paper.objects.all().delete(), Author.objects.all().delete(), QuarantinedRecord.objects.all().delete()
        call_command("ingest", "snapshot", str(path), "--workers", workers, "--batch-size", "9")
        outputs.append(capsys.readouterr().out)
        states.append(database_state())
    assert states[0] == states[1] and outputs[0] == outputs[1]
    assert "64 records: 60 created, 1 updated, 0 unchanged, 3 rejected"  # the copy: a later batch in outputs[1]
    assert Paper.objects.get(pk=records[3]["id"]).title == "A later copy wins"
    reasons = {location: reason for location, reason, _ in states[1][3]}
    assert reasons["line 11"].startswith("invalid JSON") and reasons["line 31"] == "not a JSON object"
    assert reasons["line 21"].startswith("bad id")


@pytest.mark.django_db
def test_reimport_with_workers_reports_unchanged(tmp_path, capsys):
    path = write_snapshot(tmp_path / "s.jsonl.gz", list(generate_snapshot_records(30, seed=8)))
    call_command("ingest", "snapshot", str(path), "--workers", "2")
    before = database_state()
    call_command("ingest", "snapshot", str(path), "--workers", "2")
    assert "0 created, 0 updated, 30 unchanged, 0 rejected" in capsys.readouterr().out.splitlines()[-1]
    assert database_state() == before


def test_legacy_content_hash_is_the_one_earlier_versions_stored():
    # Computed by the previous implementation (json.dumps of the fields, default=str): databases
    # imported before keep recognizing unchanged records instead of rewriting every paper once.
    record = normalize_record({
        "id": "2406.01234v2", "title": "  Nested   Matryoshka Embeddings ", "abstract": "We nest embeddings. café",
        "authors": ["Ada Lovelace", "Émile Borel"], "categories": ["cs.CL", "cs.LG"], "published": "2024-06-03",
        "updated": "2024-06-10T12:00:00Z", "github_repo": "https://github.com/example/m", "upvotes": 12,
        "organization": "example-ai Example AI", "daily_date": "2024-06-04", "num_authors": 3,
    })  # fmt: skip
    assert record.legacy_content_hash() == "ddac08ed8517bed194edacbeb7a79762043d7c38653bb86962db702d99b82d55"
    assert record.content_hash() != record.legacy_content_hash()


@pytest.mark.django_db
def test_reimport_over_legacy_hashes_counts_unchanged_and_upgrades_them(tmp_path, capsys):
    path = write_snapshot(tmp_path / "s.jsonl.gz", list(generate_snapshot_records(12, seed=6)))
    call_command("ingest", "snapshot", str(path), "--workers", "0")
    current = dict(Paper.objects.values_list("pk", "content_hash"))
    by_id = {}
    for item in snapshot_source.snapshot_items(path):
        record = normalize_record(item.data)
        by_id[record.id] = record
    for pid, record in by_id.items():  # as a database written by an earlier version holds them
        Paper.objects.filter(pk=pid).update(content_hash=record.legacy_content_hash())
    Paper.objects.filter(pk=next(iter(by_id))).update(content_hash="0" * 64)  # one really changed
    modified = dict(Paper.objects.values_list("pk", "modified_at"))
    capsys.readouterr()
    call_command("ingest", "snapshot", str(path), "--workers", "0")
    assert "12 records: 0 created, 1 updated, 11 unchanged, 0 rejected" in capsys.readouterr().out
    assert dict(Paper.objects.values_list("pk", "content_hash")) == current  # upgraded in place
    after = dict(Paper.objects.values_list("pk", "modified_at"))
    assert [pid for pid in after if after[pid] != modified[pid]] == [next(iter(by_id))]


@pytest.mark.django_db
def test_author_added_by_another_writer_mid_import_is_reused_not_duplicated():
    def items():
        yield SourceItem("1", {"id": "2401.00001", "title": "One", "authors": ["Ada Lovelace"]})
        yield SourceItem("2", {"id": "2401.00002", "title": "Two", "authors": ["Ada Lovelace"]})
        # The first batch is written; now someone else (a member's submission) adds an author.
        Author.objects.create(name="Grace Hopper")
        yield SourceItem("3", {"id": "2401.00003", "title": "Three", "authors": ["Grace  Hopper", "Ada Lovelace"]})

    report = IngestPipeline("test", batch_size=2).run(items())
    assert report.created == 3
    assert Author.objects.filter(normalized_name="grace hopper").count() == 1
    assert Author.objects.filter(normalized_name="ada lovelace").count() == 1
    assert [a.name for a in Paper.objects.get(pk="2401.00003").ordered_authors()] == ["Grace Hopper", "Ada Lovelace"]


@pytest.mark.django_db
def test_author_cache_past_its_bound_falls_back_to_the_database(monkeypatch):
    monkeypatch.setattr(IngestPipeline, "MAX_CACHED_AUTHORS", 3)
    names = [["Ada Lovelace", "Alan Turing"], ["Emmy Noether", "Ada Lovelace"], ["Alan Turing", "Kurt Gödel"]]
    IngestPipeline("test", batch_size=1).run(
        SourceItem(str(i), {"id": f"2401.0000{i}", "title": "T", "authors": a}) for i, a in enumerate(names)
    )
    assert Author.objects.count() == 4
    assert [a.name for a in Paper.objects.get(pk="2401.00002").ordered_authors()] == ["Alan Turing", "Kurt Gödel"]


def pragmas():
    with connection.cursor() as cursor:
        values = []
        for name in ("synchronous", "cache_size", "temp_store", "foreign_keys", "wal_autocheckpoint"):
            cursor.execute(f"PRAGMA {name}")
            values.append(cursor.fetchone()[0])
    return values


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite pragmas")
@pytest.mark.django_db(transaction=True)
def test_bulk_load_settings_apply_during_the_run_and_are_restored(tmp_path):
    seen = []

    def items():
        yield SourceItem("1", {"id": "2401.00001", "title": "One"})
        seen.append(pragmas())
        yield SourceItem("2", {"id": "2401.00002", "title": "Two"})

    before = pragmas()
    IngestPipeline("test", batch_size=1, bulk_load=True).run(items())
    assert seen == [[0, -65_536, 2, 0, 16_384]]
    assert before[0] != 0 and before[3] == 1 and before[4] != 16_384
    assert pragmas() == before


@pytest.mark.django_db(transaction=True)
def test_worker_failure_fails_the_run_and_keeps_only_whole_batches(tmp_path, monkeypatch):
    """A crash mid-import: the run is marked failed; every paper written has all its authors."""
    path = write_snapshot(tmp_path / "s.jsonl.gz", list(generate_snapshot_records(40, seed=2)))
    monkeypatch.setattr(jsonl_source, "BLOCK_BYTES", 2_000)  # a line or two a block
    real = snapshot_source.snapshot_to_import

    def explode_on_line_25(record):
        if record["id"] == first_ids[24]:
            raise RuntimeError("worker died")
        return real(record)

    first_ids = [r["id"] for r in generate_snapshot_records(40, seed=2)]
    monkeypatch.setattr(snapshot_source, "snapshot_to_import", explode_on_line_25)  # forked workers inherit it
    with pytest.raises(RuntimeError, match="worker died"):
        call_command("ingest", "snapshot", str(path), "--workers", "2", "--batch-size", "10")
    assert IngestRun.objects.get().status == "failed"
    written = Paper.objects.count()
    assert written == 20  # the two whole batches before the failing block, nothing after
    by_paper = {p: n for p, n in ((r["id"], len(r["authors_parsed"])) for r in generate_snapshot_records(40, seed=2))}
    for paper in Paper.objects.all():
        assert paper.authorships.count() == by_paper[paper.pk]


def _niceness(chunk):
    return [os.nice(0)]


def test_workers_yield_the_cpu_to_the_writer():
    from dailypapers.ingest.parallel import WORKER_NICENESS, map_in_workers

    assert set(map_in_workers(_niceness, range(4), workers=2)) == {min(19, os.nice(0) + WORKER_NICENESS)}
