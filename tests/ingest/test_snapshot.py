"""Snapshot import: streaming, bad lines quarantined with counts, truncated gzip, idempotent re-import."""

import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from bench.synthetic import generate_snapshot_records
from dailypapers.ingest.arxiv_format import snapshot_to_import
from dailypapers.ingest.models import IngestRun, QuarantinedRecord
from dailypapers.papers.models import Author, Paper

pytestmark = pytest.mark.django_db


def snapshot_line(paper_id="2611.00001", **overrides) -> bytes:
    record = {
        "id": paper_id,
        "submitter": "Ada Lovelace",
        "authors": "Ada Lovelace, Charles Babbage",
        "title": "A  paper\n  with a wrapped title",
        "comments": "10 pages",
        "journal-ref": None,
        "doi": "10.1000/xyz",
        "report-no": None,
        "categories": "cs.CL cs.LG",
        "license": None,
        "abstract": "  An abstract.\n",
        "versions": [{"version": "v1", "created": "Mon, 2 Nov 2026 19:18:42 GMT"},
                     {"version": "v2", "created": "Fri, 6 Nov 2026 10:00:00 GMT"}],  # fmt: skip
        "update_date": "2026-11-06",
        "authors_parsed": [["Lovelace", "Ada", ""], ["Babbage", "Charles", "Jr"]],
    }
    record.update(overrides)
    return json.dumps(record).encode() + b"\n"


def test_snapshot_maps_fields_and_reimport_changes_nothing(tmp_path, capsys):
    path = tmp_path / "snap.jsonl"
    path.write_bytes(snapshot_line() + snapshot_line("math.GT/0309136", categories="math.GT"))
    call_command("ingest", "snapshot", str(path))
    paper = Paper.objects.get(pk="2611.00001")
    assert paper.title == "A paper with a wrapped title" and paper.abstract == "An abstract."
    assert paper.version == 2 and paper.published_at.isoformat() == "2026-11-02T19:18:42+00:00"
    assert paper.updated_at.day == 6 and paper.primary_category == "cs.CL" and paper.doi == "10.1000/xyz"
    assert [a.name for a in paper.ordered_authors()] == ["Ada Lovelace", "Charles Babbage Jr"]
    assert Paper.objects.filter(pk="math.GT/0309136").exists()
    call_command("ingest", "snapshot", str(path))
    assert "0 created, 0 updated, 2 unchanged" in capsys.readouterr().out
    assert Author.objects.count() == 2


def test_bad_lines_are_quarantined_and_counted(tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    lines = [
        snapshot_line("2611.00001"),
        b'{"id": "2611.00002", "title": \n',  # malformed JSON
        snapshot_line("2611.00003", title=None),  # missing title
        snapshot_line(None),  # missing id
        snapshot_line("2611.00005", versions=[{"version": "v1", "created": "Mon, 31 Feb 2026 10:00:00 GMT"}]),
        snapshot_line("2611.00006", versions=[{"version": "v1", "created": "Mon, 2 Nov 2999 10:00:00 GMT"}]),
        snapshot_line("2611.00007", title="x" * 10_000_000),  # a 10 MB title: refused before parsing
        b'{"id": "2611.00008", "title": "caf\xe9"}\n',  # invalid UTF-8
        snapshot_line("2611.00009", title="y" * 100_000),
        snapshot_line("2611.00010"),
    ]
    path.write_bytes(b"".join(lines))
    call_command("ingest", "snapshot", str(path))
    out = capsys.readouterr().out
    assert "10 records: 2 created, 0 updated, 0 unchanged, 8 rejected" in out
    assert set(Paper.objects.values_list("pk", flat=True)) == {"2611.00001", "2611.00010"}
    reasons = dict(QuarantinedRecord.objects.values_list("location", "reason"))
    assert reasons["line 2"].startswith("invalid JSON")
    assert reasons["line 3"] == "missing title" and reasons["line 4"] == "missing id"
    assert "not a date" in reasons["line 5"] and "impossible published" in reasons["line 6"]
    assert reasons["line 7"].startswith("line too long") and reasons["line 8"].startswith("invalid UTF-8")
    assert reasons["line 9"].startswith("title too long")
    assert IngestRun.objects.get().rejected == 8


def test_truncated_gzip_keeps_what_came_before(tmp_path, capsys):
    data = gzip.compress(b"".join(snapshot_line(f"2611.{i:05d}") for i in range(1, 301)))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    call_command("ingest", "snapshot", str(path))
    out = capsys.readouterr().out
    created = Paper.objects.count()
    assert 0 < created < 300
    assert "1 rejected" in out and "unreadable input" in QuarantinedRecord.objects.get().reason


def test_synthetic_generator_is_realistic_and_importable(tmp_path):
    records = list(generate_snapshot_records(500, seed=7))
    assert records == list(generate_snapshot_records(500, seed=7))  # deterministic
    assert len({r["id"] for r in records}) == 500
    assert all(1 <= len(r["authors_parsed"]) <= 1000 for r in records)
    assert all(snapshot_to_import(r)["primary_category"] == r["categories"].split()[0] for r in records)
    path = tmp_path / "syn.jsonl.gz"
    with gzip.open(path, "wt") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in records)
    call_command("ingest", "snapshot", str(path), verbosity=0)
    assert Paper.objects.count() == 500 and not QuarantinedRecord.objects.exists()


GENERATOR_DIGEST = """
import hashlib, json, sys
sys.path.insert(0, sys.argv[1])
from synthetic import generate_snapshot_records
print(hashlib.sha256(json.dumps(list(generate_snapshot_records(300, seed=11))).encode()).hexdigest())
"""


def test_synthetic_generator_is_a_pure_function_of_n_and_seed():
    """Same records in other processes (other string-hash seeds, later clock) and after other draws."""
    bench_dir = str(Path(__file__).resolve().parents[2] / "bench")
    digests = {
        subprocess.run(
            [sys.executable, "-c", GENERATOR_DIGEST, bench_dir],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        for hash_seed in ("1", "2")
    }  # fmt: skip
    import random

    random.seed(99)  # global random state must not leak in
    here = hashlib.sha256(json.dumps(list(generate_snapshot_records(300, seed=11))).encode()).hexdigest()
    assert digests == {here}
    assert list(generate_snapshot_records(300, seed=12)) != list(generate_snapshot_records(300, seed=11))


def test_synthetic_old_style_ids_stay_valid_in_busy_months():
    from bench.synthetic import _paper_id
    from dailypapers.papers.identifiers import ARXIV_OLD_STYLE

    ids = {_paper_id(1999, 1, number)[0] for number in range(1, 5001)}  # 5,000 papers in one month
    assert len(ids) == 5000 and all(re.fullmatch(ARXIV_OLD_STYLE, i) for i in ids)
