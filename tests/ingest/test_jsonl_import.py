"""The one ingest pipeline, through the `jsonl` source and the `ingest` command."""

import json

import pytest
from django.core.management import call_command

from dailypapers.ingest.models import IngestRun, QuarantinedRecord
from dailypapers.ingest.pipeline import IngestPipeline, RecordRejected, SourceItem, normalize_record
from dailypapers.papers.models import Author, Authorship, DailyEntry, Organization, Paper

GOOD = {
    "id": "2406.01234v2",
    "title": "  Nested   Matryoshka Embeddings ",
    "abstract": "We nest embeddings.",
    "authors": ["Ada Lovelace", "Alan Turing", "Émile Borel"],
    "categories": ["cs.CL", "cs.LG"],
    "published": "2024-06-03",
    "updated": "2024-06-10T12:00:00Z",
    "github_repo": "https://github.com/example/matryoshka",
    "upvotes": 12,
    "organization": "example-ai Example AI",
    "daily_date": "2024-06-04",
}


def write_jsonl(path, lines):
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return path


def run_import(path):
    out = []
    call_command("ingest", "jsonl", str(path), stdout=_Sink(out), stderr=_Sink([]))
    return "".join(out)


class _Sink:
    def __init__(self, buf):
        self.buf = buf

    def write(self, s):
        self.buf.append(s)

    def flush(self):
        pass


@pytest.mark.django_db
def test_import_normalizes_and_writes_everything(tmp_path):
    run_import(write_jsonl(tmp_path / "p.jsonl", [GOOD]))
    paper = Paper.objects.get(pk="2406.01234")
    assert paper.title == "Nested Matryoshka Embeddings"
    assert paper.version == 2
    assert paper.primary_category == "cs.CL" and paper.categories == ["cs.CL", "cs.LG"]
    assert [a.name for a in paper.ordered_authors()] == ["Ada Lovelace", "Alan Turing", "Émile Borel"]
    assert paper.imported_upvotes == 12 and paper.upvotes == 12
    assert paper.organization == Organization.objects.get(slug="example-ai", name="Example AI")
    entry = DailyEntry.objects.get(paper=paper)
    assert entry.date.isoformat() == "2024-06-04"


@pytest.mark.django_db
def test_second_import_changes_nothing_and_counts_unchanged(tmp_path):
    path = write_jsonl(tmp_path / "p.jsonl", [GOOD, {**GOOD, "id": "2406.05678", "title": "Other"}])
    first = run_import(path)
    snapshot = (
        list(Paper.objects.order_by("pk").values()),
        list(Authorship.objects.order_by("pk").values()),
        Author.objects.count(),
        list(DailyEntry.objects.order_by("pk").values()),
    )
    second = run_import(path)
    assert "2 created, 0 updated, 0 unchanged, 0 rejected" in first
    assert "0 created, 0 updated, 2 unchanged, 0 rejected" in second
    # modified_at is auto_now: identical values prove no row was rewritten.
    assert snapshot == (
        list(Paper.objects.order_by("pk").values()),
        list(Authorship.objects.order_by("pk").values()),
        Author.objects.count(),
        list(DailyEntry.objects.order_by("pk").values()),
    )
    # Authors are shared across papers, not duplicated.
    assert Author.objects.count() == 3


@pytest.mark.django_db
def test_changed_record_updates_paper_and_reorders_authors(tmp_path):
    run_import(write_jsonl(tmp_path / "a.jsonl", [GOOD]))
    changed = {**GOOD, "id": "2406.01234v3", "authors": ["Alan Turing", "Ada Lovelace"], "abstract": "New."}
    out = run_import(write_jsonl(tmp_path / "b.jsonl", [changed]))
    assert "0 created, 1 updated" in out
    paper = Paper.objects.get(pk="2406.01234")
    assert paper.version == 3 and paper.abstract == "New."
    assert [a.name for a in paper.ordered_authors()] == ["Alan Turing", "Ada Lovelace"]


@pytest.mark.django_db
def test_import_never_moves_an_existing_daily_entry(tmp_path):
    run_import(write_jsonl(tmp_path / "a.jsonl", [GOOD]))
    run_import(write_jsonl(tmp_path / "b.jsonl", [{**GOOD, "daily_date": "2024-06-07"}]))
    assert DailyEntry.objects.get(paper_id="2406.01234").date.isoformat() == "2024-06-04"


@pytest.mark.django_db
def test_malformed_lines_are_rejected_with_line_and_reason_and_the_rest_imported(tmp_path):
    lines = [
        GOOD,  # 1
        "{not json",  # 2
        {"title": "no id"},  # 3
        {**GOOD, "id": "2406.11111", "title": ""},  # 4
        {**GOOD, "id": "2406.22222", "published": "2024-02-30"},  # 5
        {**GOOD, "id": "2406.33333", "title": "x" * 5000},  # 6
        "[1, 2, 3]",  # 7
        {**GOOD, "id": "not an id!"},  # 8
        {**GOOD, "id": "2406.44444", "github_repo": "javascript:alert(1)"},  # 9
        {**GOOD, "id": "2406.55555", "published": "2999-01-01"},  # 10
        {**GOOD, "id": "2406.66666", "title": "Fine too"},  # 11
    ]
    path = write_jsonl(tmp_path / "bad.jsonl", lines)
    with path.open("ab") as fh:
        fh.write(b'{"id": "2406.77777", "title": "bad \xff utf8"}\n')  # 12
        fh.write(b'{"id": "2406.88888", "title": "lone \\ud800 surrogate"}\n')  # 13: valid JSON, no database stores it
        fh.write(b'{"id": "2406.99999", "title": "T", "primary_category": "cs \\"x"}\n')  # 14
    out = run_import(path)
    assert "2 created, 0 updated, 0 unchanged, 12 rejected" in out
    assert set(Paper.objects.values_list("pk", flat=True)) == {"2406.01234", "2406.66666"}
    reasons = dict(QuarantinedRecord.objects.values_list("location", "reason"))
    assert reasons["line 2"].startswith("invalid JSON")
    assert reasons["line 3"] == "missing id"
    assert reasons["line 4"] == "missing title"
    assert reasons["line 5"].startswith("bad published")
    assert reasons["line 6"].startswith("title too long")
    assert reasons["line 7"] == "not a JSON object"
    assert reasons["line 8"].startswith("bad id")
    assert reasons["line 9"].startswith("bad github_repo")
    assert reasons["line 10"].startswith("impossible published")
    assert reasons["line 12"].startswith("invalid UTF-8")
    assert reasons["line 13"] == "bad title: invalid Unicode (a lone surrogate)"
    assert reasons["line 14"].startswith("bad primary_category")
    run = IngestRun.objects.get()
    assert (run.status, run.created, run.rejected) == ("finished", 2, 12)
    assert "rejected line 2: invalid JSON" in out


@pytest.mark.django_db
def test_gzipped_file_and_truncated_gzip(tmp_path):
    import gzip

    body = "\n".join(json.dumps({**GOOD, "id": f"2406.{10000 + i}", "title": f"Paper {i}"}) for i in range(50))
    data = gzip.compress(body.encode())
    (tmp_path / "ok.jsonl.gz").write_bytes(data)
    assert "50 created" in run_import(tmp_path / "ok.jsonl.gz")
    Paper.objects.all().delete()
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    out = run_import(tmp_path / "cut.jsonl.gz")
    created = Paper.objects.count()
    assert 0 < created < 50
    assert f"{created} created" in out and "1 rejected" in out
    assert "unreadable input" in out


def test_missing_file_is_a_clear_error(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no such file"):
        call_command("ingest", "jsonl", str(tmp_path / "nope.jsonl"))


@pytest.mark.parametrize(
    "raw_id, expected",
    [
        ("2406.01234", ("2406.01234", None)),
        ("2406.01234v7", ("2406.01234", 7)),
        ("arXiv:0704.0001", ("0704.0001", None)),
        ("https://arxiv.org/abs/2406.01234v2", ("2406.01234", 2)),
        ("https://arxiv.org/pdf/2406.01234.pdf", ("2406.01234", None)),
        ("hep-th/9901001", ("hep-th/9901001", None)),
        ("math.GT/0309136v2", ("math.GT/0309136", 2)),
        ("sample-3f2a9c01bd", ("sample-3f2a9c01bd", None)),
    ],
)
def test_id_forms(raw_id, expected):
    from dailypapers.ingest.pipeline import parse_paper_id

    assert parse_paper_id(raw_id) == expected


def test_normalize_rejects_wrong_types():
    with pytest.raises(RecordRejected, match="bad authors"):
        normalize_record({**GOOD, "authors": 42})
    with pytest.raises(RecordRejected, match="bad upvotes"):
        normalize_record({**GOOD, "upvotes": -1})
    with pytest.raises(RecordRejected, match="bad categories"):
        normalize_record({**GOOD, "categories": [1, 2]})


@pytest.mark.django_db
def test_duplicate_ids_in_one_batch_last_wins():
    items = [
        SourceItem("1", {**GOOD, "title": "First"}),
        SourceItem("2", {**GOOD, "title": "Second"}),
    ]
    report = IngestPipeline("test").run(items)
    assert Paper.objects.get(pk="2406.01234").title == "Second"
    assert (report.created, report.seen) == (1, 2)


@pytest.mark.django_db
def test_sample_source_places_papers_on_the_last_30_days():
    import datetime as dt

    from django.utils import timezone

    call_command("ingest", "sample", stdout=_Sink([]), stderr=_Sink([]))
    today = timezone.localdate()
    dates = set(DailyEntry.objects.values_list("date", flat=True))
    assert today in dates and today - dt.timedelta(days=1) in dates
    assert min(dates) >= today - dt.timedelta(days=30)
    assert Paper.objects.filter(imported_upvotes__gt=0).exists()
    # Listed organizations become organizations with their display names.
    assert Organization.objects.get(slug="deepseek-ai").name == "DeepSeek"
