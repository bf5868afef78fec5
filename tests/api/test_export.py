"""`dailypapers export`: JSONL round-trips through `dailypapers ingest jsonl`; Parquet in row groups."""

import datetime as dt
import json
import subprocess
import sys

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from dailypapers.api.export import export_parquet, export_queryset, iter_records
from dailypapers.papers.models import Author, Authorship, DailyEntry, Organization, Paper


def snapshot() -> dict:
    """Everything an export promises to carry, keyed by paper id."""
    papers = {}
    for p in Paper.objects.select_related("organization").order_by("pk"):
        papers[p.pk] = {
            **{f: getattr(p, f) for f in (
                "title", "abstract", "published_at", "updated_at", "version", "categories", "primary_category",
                "doi", "journal_ref", "comments", "license", "github_repo", "project_page", "listed_author_count",
                "upvotes",
            )},
            "organization": (p.organization.slug, p.organization.name) if p.organization else None,
            "authors": list(Authorship.objects.filter(paper=p).order_by("position").values_list("author__name", flat=True)),
        }
    entries = {
        e.paper_id: (e.date, e.submitted_at, e.organization.slug if e.organization else None)
        for e in DailyEntry.objects.select_related("organization")
    }
    return {"papers": papers, "entries": entries, "authors": sorted(Author.objects.values_list("name", flat=True))}


def test_jsonl_export_round_trips_through_ingest(catalog, sample_papers, tmp_path, capsys):
    before = snapshot()
    assert len(before["papers"]) == 6 + 313
    out = tmp_path / "papers.jsonl"
    call_command("export", "--format", "jsonl", "--out", str(out))
    assert f"exported {len(before['papers'])} papers" in capsys.readouterr().err
    lines = out.read_text("utf-8").splitlines()
    assert len(lines) == len(before["papers"])
    record = json.loads(next(line for line in lines if '"2106.09685"' in line))
    assert record["authors"] == ["Edward J. Hu", "Yelong Shen", "Phillip Wallis"]
    assert record["daily_submitted_by"] == "ada" and record["organization"] == {"slug": "microsoft", "name": "Microsoft"}

    # A fresh database: nothing of the papers room left.
    for model in (DailyEntry, Authorship, Paper, Author, Organization):
        model.objects.all().delete()
    call_command("ingest", "jsonl", str(out), verbosity=0)
    assert snapshot() == before

    # Importing the same export again changes nothing.
    call_command("ingest", "jsonl", str(out), stdout=(report := __import__("io").StringIO()))
    assert f"0 created, 0 updated, {len(before['papers'])} unchanged, 0 rejected" in report.getvalue()


def test_export_since_a_date(catalog, tmp_path):
    out = tmp_path / "recent.jsonl.gz"
    since = catalog - dt.timedelta(days=1)
    call_command("export", "--since", since.isoformat(), "--out", str(out))
    import gzip

    ids = {json.loads(line)["id"] for line in gzip.open(out, "rt")}
    # All were changed on the site just now (imported), so all qualify; then only dates count:
    assert ids == set(export_queryset(since).values_list("pk", flat=True))
    Paper.objects.update(modified_at=dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc))
    recent = set(export_queryset(since).values_list("pk", flat=True))
    assert recent == {"2205.13147", "1706.03762", "2106.09685", "2005.14165"}  # published or on a page since


def test_parquet_export_in_row_groups(catalog, tmp_path):
    out = tmp_path / "papers.parquet"
    count = export_parquet(iter_records(export_queryset()), out, row_group_size=4)
    assert count == 6
    parquet = pq.ParquetFile(out)
    assert parquet.metadata.num_row_groups == 2 and parquet.metadata.num_rows == 6
    rows = {r["id"]: r for r in parquet.read().to_pylist()}
    lora = rows["2106.09685"]
    assert lora["authors"] == ["Edward J. Hu", "Yelong Shen", "Phillip Wallis"]
    assert lora["organization_slug"] == "microsoft" and lora["upvotes"] == 77
    assert lora["daily_date"] == DailyEntry.objects.get(paper_id="2106.09685").date
    assert lora["published"] == Paper.objects.get(pk="2106.09685").published_at
    assert rows["2005.14165"]["daily_date"] is None


def test_export_command_via_the_console_script(catalog, tmp_path):
    """The command as operators run it; bad input is a clear error, and no half file is left."""
    with pytest.raises(CommandError, match="expected a date"):
        call_command("export", "--since", "yesterday")
    with pytest.raises(CommandError, match="standard output"):
        call_command("export", "--format", "parquet", "--out", "-")
    out = tmp_path / "p.parquet"
    call_command("export", "--format", "parquet", "--out", str(out))
    assert pq.ParquetFile(out).metadata.num_rows == 6
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_export_help_runs_from_the_command_line():
    result = subprocess.run(
        [sys.executable, "-m", "dailypapers", "export", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and "--format {jsonl,parquet}" in result.stdout
