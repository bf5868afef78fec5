"""What the pipeline stores when sources disagree, on real recorded records (issue 12).

Versions are never lowered, first-version dates never moved later, withdrawals set and cleared only by
a source that knows, arXiv's report-no kept, each paper's own spelling of its authors shown and
abstracts reflowed; on both write paths (SQLite's executemany and the ORM).
Fixtures: tests/ingest/fixtures/real/README.md.
"""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from lxml import etree

from dailypapers.ingest.orm_writes import OrmWrites
from dailypapers.ingest.pipeline import IngestPipeline
from dailypapers.ingest.sources.arxiv_oai import record_to_item
from dailypapers.ingest.sources.snapshot import snapshot_items
from dailypapers.papers.models import Author, Authorship, Paper
from tests.ingest.fixture_server import arxiv_record
from tests.ingest.test_fast_write_path import stored_rows

pytestmark = pytest.mark.django_db

REAL = Path(__file__).parent / "fixtures" / "real"
UTC = dt.UTC
OAI = "{http://www.openarchives.org/OAI/2.0/}record"


@pytest.fixture(params=["sqlite-executemany", "orm"])
def fast(request) -> bool:
    if request.param == "sqlite-executemany" and connection.vendor != "sqlite":
        pytest.skip("the executemany path is SQLite's")
    return request.param == "sqlite-executemany"


def ingest(items, fast: bool, source: str = "arxiv-oai"):
    pipe = IngestPipeline(source, batch_size=3, row_writer=None if fast else OrmWrites)
    return pipe.run(items)


def raw_records(text: str | None = None, name: str = "export_arxiv_oai2_listrecords_arxivraw_2015.xml"):
    """The recorded arXivRaw page (or a variant of its text) as pipeline items."""
    text = (REAL / name).read_text(encoding="utf-8") if text is None else text
    return [record_to_item(r) for r in etree.fromstring(text.encode()).iter(OAI)]


def get_record_text() -> str:
    return (REAL / "export_arxiv_oai2_getrecord_arxivraw_1302.2146.xml").read_text(encoding="utf-8")


def arxiv_format(paper_id: str, title: str, *, created: str, authors=(("Richard", "Christoph"),), **kwargs):
    """A record as arXiv's server emits the ``arXiv`` format: no version list, <created> = the current version's day."""
    return record_to_item(etree.fromstring(arxiv_record(paper_id, title, created=created, authors=list(authors), **kwargs)))


def snapshot_line(paper_id: str) -> dict:
    lines = (REAL / "kaggle_snapshot_0704.0001-0200.jsonl").read_text(encoding="utf-8").splitlines()
    return next(json.loads(line) for line in lines if json.loads(line)["id"] == paper_id)


def import_snapshot_lines(tmp_path, fast: bool, *lines: dict):
    path = tmp_path / "snapshot.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return ingest(snapshot_items(path), fast, source="arxiv-snapshot")


# -- versions and the first-version date ---------------------------------------------------------
def test_arxiv_format_after_arxivraw_keeps_version_and_first_version_date(fast):
    # 0704.0716 has four versions; an ``arXiv`` record of it knows none and says <created> 2008-11-14
    # (the v4 day): the 0903.0442 / 0806.4129 stories, where a harvest reset papers to v1 and a late date.
    assert ingest(raw_records(), fast).created == 6
    ingest([arxiv_format("0704.0716", "Limit distributions and scaling functions", created="2008-11-14")], fast)
    p = Paper.objects.get(pk="0704.0716")
    assert p.version == 4
    assert p.published_at == dt.datetime(2007, 4, 5, 12, 45, 3, tzinfo=UTC)
    assert p.updated_at == dt.datetime(2008, 11, 14, 9, 7, 25, tzinfo=UTC)  # the same day, date only: the time stays
    assert p.comments == "12 pages"  # the rest of the record is written


def test_a_record_differing_only_in_what_the_merge_keeps_is_unchanged(fast):
    ingest(raw_records(), fast)
    before = Paper.objects.get(pk="0704.0716")
    item = next(i for i in raw_records() if i.data["id"] == "0704.0716")
    data = dict(item.data, version=None, published=None, published_at_most="2008-11-14")
    report = ingest([item.__class__(location=item.location, data=data, raw=item.raw)], fast)
    assert (report.unchanged, report.updated) == (1, 0)
    after = Paper.objects.get(pk="0704.0716")
    assert (after.version, after.published_at, after.content_hash, after.modified_at) == (
        4, before.published_at, before.content_hash, before.modified_at)  # fmt: skip
    assert ingest(raw_records(), fast).unchanged == 6  # and the arXivRaw page again: a true no-op


def test_a_new_paper_from_the_arxiv_format_is_provisional_until_a_source_knows(tmp_path, fast):
    line = snapshot_line("0704.0001")  # v1 Mon, 2 Apr 2007 19:18:42 GMT, v2 Tue, 24 Jul 2007 20:10:27 GMT
    ingest([arxiv_format("0704.0001", line["title"], created="2007-07-24")], fast)
    p = Paper.objects.get(pk="0704.0001")
    assert p.version == 1 and p.published_at == dt.datetime(2007, 7, 24, tzinfo=UTC)  # <created>: an upper bound

    import_snapshot_lines(tmp_path, fast, line)  # the snapshot knows: moved earlier, the version raised
    p = Paper.objects.get(pk="0704.0001")
    assert p.version == 2 and p.published_at == dt.datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)

    ingest([arxiv_format("0704.0001", line["title"], created="2007-07-24")], fast)  # then OAI again
    p = Paper.objects.get(pk="0704.0001")
    assert p.version == 2 and p.published_at == dt.datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)
    assert p.updated_at == dt.datetime(2007, 7, 24, 20, 10, 27, tzinfo=UTC)


def test_a_date_without_time_gives_way_to_the_same_day_with_its_time(tmp_path, fast):
    line = snapshot_line("0704.0001")
    ingest([arxiv_format("0704.0001", line["title"], created="2007-04-02")], fast)
    import_snapshot_lines(tmp_path, fast, line)
    assert Paper.objects.get(pk="0704.0001").published_at == dt.datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)
    ingest([arxiv_format("0704.0001", line["title"], created="2007-04-02")], fast)
    assert Paper.objects.get(pk="0704.0001").published_at == dt.datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)


def test_an_older_snapshot_after_a_harvest_lowers_nothing(tmp_path, fast):
    line = snapshot_line("0704.0001")
    v3 = {"version": "v3", "created": "Mon, 3 Mar 2008 10:00:00 GMT"}
    ingest([item for item in raw_records()], fast)  # (0704.0001 is not on the page: harvest it from a newer snapshot)
    import_snapshot_lines(tmp_path, fast, dict(line, versions=[*line["versions"], v3]))
    import_snapshot_lines(tmp_path, fast, line)  # the older snapshot: v2
    p = Paper.objects.get(pk="0704.0001")
    assert p.version == 3 and p.updated_at == dt.datetime(2008, 3, 3, 10, 0, tzinfo=UTC)
    assert p.published_at == dt.datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)


def test_duplicates_in_one_batch_merge_as_across_batches(fast):
    raw = next(i for i in raw_records() if i.data["id"] == "0704.0716")
    later = arxiv_format("0704.0716", "Limit distributions and scaling functions", created="2008-11-14")
    assert ingest([raw, later], fast).created == 1
    p = Paper.objects.get(pk="0704.0716")
    assert p.version == 4 and p.published_at == dt.datetime(2007, 4, 5, 12, 45, 3, tzinfo=UTC)


# -- withdrawn and report-no ----------------------------------------------------------------------
def test_withdrawn_is_set_by_arxivraw_kept_by_sources_that_do_not_know_and_cleared_by_a_newer_version(fast):
    text = get_record_text()
    withdrawn = text.replace("<size>849kb</size><source_type>D</source_type>", "<size>1kb</size><source_type>I</source_type>")
    ingest(raw_records(withdrawn), fast)
    v2_date = dt.datetime(2013, 4, 2, 1, 50, 8, tzinfo=UTC)
    assert Paper.objects.get(pk="1302.2146").withdrawn_at == v2_date  # the withdrawal is the last version

    ingest([arxiv_format("1302.2146", "The Same-Sign Dilepton Signature of RPV/MFV SUSY", created="2013-04-02")], fast)
    ingest(raw_records(text), fast)  # the same v2 not marked withdrawn (an older copy): the withdrawal stays
    assert Paper.objects.get(pk="1302.2146").withdrawn_at == v2_date

    v3 = '<version version="v3"><date>Mon, 6 May 2013 10:00:00 GMT</date><size>850kb</size><source_type>D</source_type></version>'
    ingest(raw_records(text.replace("<title>", v3 + "<title>", 1)), fast)
    p = Paper.objects.get(pk="1302.2146")
    assert p.withdrawn_at is None and p.version == 3


def test_report_no_from_arxivraw(fast):
    # The recorded page has no report-no; arXivRaw carries it as <report-no> after <comments> (its schema).
    text = get_record_text().replace("</comments>", "</comments><report-no>UCI-TR-2013-01, CLNS 13/2088</report-no>")
    ingest(raw_records(text), fast)
    assert Paper.objects.get(pk="1302.2146").report_no == "UCI-TR-2013-01, CLNS 13/2088"


def test_report_no_from_the_snapshot_stored_exported_and_in_the_api(tmp_path, fast, client):
    line = snapshot_line("0704.0001")
    assert line["report-no"] == "ANL-HEP-PR-07-12"
    import_snapshot_lines(tmp_path, fast, line)
    assert Paper.objects.get(pk="0704.0001").report_no == "ANL-HEP-PR-07-12"
    out = tmp_path / "papers.jsonl"
    call_command("export", "--format", "jsonl", "--out", str(out))
    assert json.loads(out.read_text("utf-8").splitlines()[0])["report_no"] == "ANL-HEP-PR-07-12"
    assert client.get("/api/v1/papers/0704.0001").json()["report_no"] == "ANL-HEP-PR-07-12"


# -- authors and text -----------------------------------------------------------------------------
def _browse_db_authors(paper_id: str) -> list[tuple[str, str]]:
    lines = (REAL / "oaipmh_browse_db_authors.jsonl").read_text(encoding="utf-8").splitlines()
    row = next(json.loads(line) for line in lines if json.loads(line)["id"] == paper_id)
    return [(keyname, forenames) for keyname, forenames, _ in row["arxiv_authors"]]


def test_each_paper_keeps_its_own_spelling_of_a_shared_author(tmp_path, fast, client):
    # arXiv's server lists "S L Yakovlev" on 1003.0330 and "S. L. Yakovlev" on 1102.0549: one author.
    ingest([arxiv_format("1003.0330", "Paper one", created="2010-03-01", authors=_browse_db_authors("1003.0330")),
            arxiv_format("1102.0549", "Paper two", created="2011-02-02", authors=_browse_db_authors("1102.0549"))], fast)  # fmt: skip
    shown = {pid: [a.shown_name for a in Paper.objects.get(pk=pid).authorships.order_by("position")] for pid in ("1003.0330", "1102.0549")}
    assert shown == {"1003.0330": ["S L Yakovlev", "M V Volkov", "E Yarevsky", "N Elander"],
                     "1102.0549": ["M. V. Volkov", "S. L. Yakovlev", "E. A. Yarevsky", "N. Elander"]}  # fmt: skip
    for surname, authors in (("Yakovlev", 1), ("Volkov", 1), ("Yarevsky", 2)):  # "E" and "E. A.": other initials
        ids = Authorship.objects.filter(name__endswith=surname).values_list("author_id", flat=True)
        assert len(ids) == 2 and len(set(ids)) == authors  # the identity stays merged
    assert Author.objects.count() == 5

    assert client.get("/api/v1/papers/1102.0549").json()["authors"] == shown["1102.0549"]
    assert "S. L. Yakovlev" in client.get("/papers/1102.0549").content.decode()
    out = tmp_path / "papers.jsonl"
    call_command("export", "--format", "jsonl", "--out", str(out))
    exported = {r["id"]: r["authors"] for r in map(json.loads, out.read_text("utf-8").splitlines())}
    assert exported == shown


def test_hard_wrapped_abstract_is_stored_reflowed(fast):
    ingest(raw_records(get_record_text()), fast)
    abstract = Paper.objects.get(pk="1302.2146").abstract
    assert "\n" not in abstract  # one paragraph: arXiv marks none after the first line's indentation
    assert abstract.startswith("The lack of observation of superpartners at the Large Hadron Collider so far has led to a renewed")
    assert "can be probed at the 14 TeV LHC with a 100 fb^-1 data set." in abstract


def test_indented_line_starts_a_paragraph(fast):
    ingest([arxiv_format("0704.0716", "T", created="2008-11-14", abstract="  First line\nwrapped here.\n  Second paragraph\nwrapped.")], fast)
    assert Paper.objects.get(pk="0704.0716").abstract == "First line wrapped here.\n\nSecond paragraph wrapped."


def test_reflows_shortcut_for_one_plain_paragraph_is_the_general_rule():
    import random

    from dailypapers.papers import text

    def general(value):  # reflow without its shortcut
        value = value.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
        return "\n\n".join(p for p in (" ".join(p.split()) for p in text._PARAGRAPH_BREAK.split(value.strip())) if p)

    rng = random.Random(12)
    samples = ["".join(rng.choice("ab \n\t\r\x0b\x0c\x1c\x1f\xa0é") for _ in range(rng.randint(0, 12))) for _ in range(50_000)]
    abstracts = [i.data["abstract"] for i in raw_records()]
    for value in samples + abstracts + [a.strip() for a in abstracts]:
        assert text.reflow(value) == general(value), repr(value)


# -- both write paths store the same rows ---------------------------------------------------------
def _scenario_rows(tmp_path, fast: bool) -> list:
    for model in (Authorship, Paper, Author):
        model.objects.all().delete()
    line = snapshot_line("0704.0001")
    ingest([arxiv_format("0704.0001", line["title"], created="2007-07-24")], fast)
    ingest(raw_records(), fast)
    import_snapshot_lines(tmp_path, fast, line, snapshot_line("0704.0002"))
    ingest([arxiv_format("0704.0716", "Limit distributions and scaling functions", created="2008-11-14"),
            arxiv_format("1102.0549", "Paper two", created="2011-02-02", authors=_browse_db_authors("1102.0549"))], fast)  # fmt: skip
    return stored_rows()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the executemany path is SQLite's")
def test_fast_path_and_orm_path_store_the_same_rows(tmp_path):
    fast_rows = _scenario_rows(tmp_path, True)
    assert fast_rows == _scenario_rows(tmp_path, False)
    assert len(fast_rows[0]) == 9 and all(name for _, _, _, name in fast_rows[1])  # (paper, author, position, name)
