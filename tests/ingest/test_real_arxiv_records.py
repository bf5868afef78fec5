"""Ingest against real recorded arXiv records (tests/ingest/fixtures/real/README.md says where each came from)."""

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from lxml import etree

from dailypapers.ingest.arxiv_authors import (
    author_names,
    parse_author_string,
    structured_author_name,
)
from dailypapers.ingest.arxiv_format import snapshot_to_import
from dailypapers.ingest.pipeline import IngestPipeline, author_key
from dailypapers.ingest.sources.arxiv_oai import OaiHarvest, record_to_item
from dailypapers.papers.models import Paper
from tests.ingest.fixture_server import XML, FixtureServer, arxiv_record, oai_page

REAL = Path(__file__).parent / "fixtures" / "real"
UTC = dt.UTC


def _lines(name):
    return [json.loads(line) for line in (REAL / name).read_text(encoding="utf-8").splitlines()]


# -- the author parser, case by case (the real strings of issue 12) ------------------------------
def test_oxford_comma():  # 1006.3829
    assert author_names("Darrick Chang, Amir H. Safavi-Naeini, Mohammad Hafezi, and Oskar Painter") == [
        "Darrick Chang", "Amir H. Safavi-Naeini", "Mohammad Hafezi", "Oskar Painter"]  # fmt: skip


def test_affiliations_in_parentheses_with_commas():  # 0903.4542
    authors = parse_author_string(
        "C. Neri (Lloyds Banking Group, London, UK) and L. Schneider (EMLYON Business School, Lyon, France)"
    )
    assert [a.name for a in authors] == ["C. Neri", "L. Schneider"]
    assert [a.affiliations for a in authors] == [("Lloyds Banking Group, London, UK",), ("EMLYON Business School, Lyon, France",)]


def test_numbered_affiliations_and_their_key():  # 1004.3715
    authors = parse_author_string(
        'Irina Lupu (1), Pierre Courbin (2), Laurent George (2) and Jo\\"el Goossens (1) ((1) U.L.B., (2) ECE)'
    )
    assert [a.name for a in authors] == ["Irina Lupu", "Pierre Courbin", "Laurent George", "Joël Goossens"]
    assert [a.affiliations for a in authors] == [("U.L.B.",), ("ECE",), ("ECE",), ("U.L.B.",)]


def test_collaboration_prefix_stays_one_name():  # 1101.3650
    assert author_names("HESS Collaboration: A. Abramowski, F. Acero, F. Aharonian")[:2] == ["HESS Collaboration", "A. Abramowski"]


def test_suffix_after_a_comma():  # 1102.0316
    assert author_names("G. David Forney, Jr. and Pascal O. Vontobel") == ["G. David Forney Jr.", "Pascal O. Vontobel"]


def test_tex_accents_give_the_same_name_and_identity_in_both_formats():  # 1008.3399
    raw = author_names("Ana M. Mosquera, Jos\\'e A. Mu\\~noz")[1]
    structured = structured_author_name("Mu\\~noz", "Jos\\'e A.", "")
    assert raw == structured == "José A. Muñoz"
    assert author_key(raw) == author_key(structured_author_name("Muñoz", "José A.", ""))


def test_punctuation_only_names_and_whitespace():  # <keyname>:</keyname> as in 1603.05976
    assert structured_author_name(":", "", "") == ""
    assert author_names("A. One ,\n  : , B.  Two") == ["A. One", "B. Two"]


# -- agreement with arXiv's structured lists on real samples -------------------------------------
def _agreement(rows):
    failures = []
    for paper_id, line, structured in rows:
        expected = [k for k in (author_key(structured_author_name(*a[:3])) for a in structured) if k]
        if [author_key(n) for n in author_names(line)] != expected:
            failures.append((paper_id, line[:120]))
    return 1 - len(failures) / len(rows), failures


def test_agrees_with_arxivs_own_structured_list_on_its_oai_server_records():
    rows = [(r["id"], r["authors"], r["arxiv_authors"]) for r in _lines("oaipmh_browse_db_authors.jsonl")]
    share, failures = _agreement(rows)
    naive = sum(
        [author_key(p) for p in re.split(r",\s*|\s+and\s+", line) if p.strip()]
        != [author_key(structured_author_name(*a[:3])) for a in s] for _, line, s in rows
    )  # fmt: skip
    print(f"arXiv OAI server sample: {len(rows)} papers, agreement {share:.2%}; naive split disagrees on {naive}; {failures}")
    assert len(rows) == 509 and share >= 0.98
    assert naive > 100  # the comma/"and" split this replaces: ~1 paper in 4 of this sample


def test_agrees_with_the_snapshots_authors_parsed():
    rows = [(r["id"], r["authors"], r["authors_parsed"]) for r in _lines("kaggle_snapshot_0704.0001-0200.jsonl")]
    share, failures = _agreement(rows)
    print(f"snapshot sample: {len(rows)} papers, agreement {share:.2%}; {failures}")
    assert len(rows) == 200 and share >= 0.98


# -- the sources on real records ------------------------------------------------------------------
def test_snapshot_line_field_by_field():
    record = snapshot_to_import(_lines("kaggle_snapshot_0704.0001-0200.jsonl")[0])
    assert record["id"] == "0704.0001" and record["version"] == 2
    assert record["published"] == "2007-04-02T19:18:42+00:00" and record["updated"] == "2007-07-24T20:10:27+00:00"
    assert record["authors"] == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"]
    assert record["categories"] == "hep-ph" and record["doi"] == "10.1103/PhysRevD.76.013009"
    assert record["journal_ref"] == "Phys.Rev.D76:013009,2007" and record["license"] is None
    line = dict(_lines("kaggle_snapshot_0704.0001-0200.jsonl")[0], authors_parsed=None)
    assert snapshot_to_import(line)["authors"] == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]


def test_arxiv_format_record_has_no_version_and_created_is_not_published():
    # 0806.4129 as arXiv's server emits it (its own test): created is the *current* version's day.
    xml = arxiv_record("0806.4129", "Gauge Fixing", created="2014-12-12", authors=[("da Rocha", "Roldao")])
    item = record_to_item(etree.fromstring(xml))
    assert item.data["version"] is None and item.data["published"] is None
    assert item.data["published_at_most"] == "2014-12-12" and item.data["updated"] == "2014-12-12"
    assert item.data["authors"] == ["Roldao da Rocha"]


@pytest.fixture
def fast_arxiv(settings):
    settings.DAILYPAPERS_ARXIV_REQUEST_DELAY = 0
    settings.DAILYPAPERS_ARXIV_MAX_RETRIES = 1
    settings.DAILYPAPERS_ARXIV_TIMEOUT = 5


@pytest.mark.django_db(transaction=True)
def test_recorded_arxivraw_pages_through_the_harvest(settings, fast_arxiv):
    first = (REAL / "export_arxiv_oai2_listrecords_arxivraw_2015.xml").read_bytes()
    get_record = etree.fromstring((REAL / "export_arxiv_oai2_getrecord_arxivraw_1302.2146.xml").read_bytes())
    record = get_record.find(".//{http://www.openarchives.org/OAI/2.0/}record")
    second = oai_page([etree.tostring(record, encoding="unicode")], "")

    def handler(path, query):
        return 200, XML, second if query.get("resumptionToken") == "726959|1001" else first

    with FixtureServer(handler) as server:
        settings.DAILYPAPERS_ARXIV_OAI_URL = server.url
        harvest = OaiHarvest("", from_date=dt.date(2014, 10, 1), until=dt.date(2015, 1, 6))  # default: arXivRaw
        report = IngestPipeline("arxiv-oai", detail=harvest.detail).run(harvest.items())
    assert server.requests[0]["metadataPrefix"] == "arXivRaw"
    assert [r.get("resumptionToken") for r in server.requests] == [None, "726959|1001"]
    assert report.created == 7 and report.rejected == 0

    p = Paper.objects.get(pk="0704.0716")
    assert p.version == 4
    assert p.published_at == dt.datetime(2007, 4, 5, 12, 45, 3, tzinfo=UTC)
    assert p.updated_at == dt.datetime(2008, 11, 14, 9, 7, 25, tzinfo=UTC)
    assert p.title == "Limit distributions and scaling functions"
    assert [a.name for a in p.ordered_authors()] == ["Christoph Richard"]
    assert p.categories == ["math-ph", "math.MP"] and p.primary_category == "math-ph"
    assert p.journal_ref.startswith("Polygons, polyominoes and polycubes, 247-299") and p.doi == ""
    assert p.comments.startswith("54 pages, 2 figures; v2 updated") and p.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert p.abstract.startswith("We discuss the asymptotic behaviour of models of lattice polygons")

    p = Paper.objects.get(pk="0704.0471")  # Oxford comma, two DOIs, one version
    assert [a.name for a in p.ordered_authors()] == ["D.V. Shetty", "S.J. Yennello", "G.A. Souliotis"]
    assert p.version == 1 and p.published_at == dt.datetime(2007, 4, 3, 22, 4, 11, tzinfo=UTC)
    assert p.doi == "10.1103/PhysRevC.76.024606 10.1103/PhysRevC.76.039902" and p.categories == ["nucl-ex", "nucl-th"]

    p = Paper.objects.get(pk="1302.2146")
    assert [a.name for a in p.ordered_authors()] == ["Joshua Berger", "Maxim Perelstein", "Michael Saelim", "Philip Tanedo"]
    assert p.version == 2 and p.published_at == dt.datetime(2013, 2, 8, 21, 0, 1, tzinfo=UTC)
    assert p.categories == ["hep-ph", "hep-ex"] and p.comments == "18 pages, 6 figures; v2: References added"


def test_recorded_atom_api_response_field_by_field(settings, fast_arxiv, db):  # db: the site-wide arXiv request slot
    from dailypapers.ingest.sources.arxiv_api import fetch_paper

    body = (REAL / "arxiv_api_atom_id_list_1111.2011v2.xml").read_bytes()
    with FixtureServer(lambda path, query: (200, XML, body)) as server:
        settings.DAILYPAPERS_ARXIV_API_URL = server.url + "/api/query"
        record = fetch_paper("1111.2011")
    assert record["id"] == "1111.2011" and record["version"] == 2
    assert record["published"] == "2011-11-08T18:48:36+00:00" and record["updated"] == "2012-04-02T12:38:54+00:00"
    assert record["authors"] == ["James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic"]
    assert record["categories"] == ["cond-mat.str-el", "cond-mat.stat-mech"] and record["primary_category"] == "cond-mat.str-el"
    assert record["doi"] == "10.1103/PhysRevB.85.115117" and record["journal_ref"] == "Phys. Rev. B 85, 115117 (2012)"
    assert record["comments"] == "8 pages, 3 figures. Published version"
    assert record["title"].startswith("Quantum Criticality for Extended Nodes on a Bethe Lattice")


def test_arxivraw_withdrawal_is_the_last_versions_source_type():
    text = (REAL / "export_arxiv_oai2_getrecord_arxivraw_1302.2146.xml").read_text(encoding="utf-8")
    record = etree.fromstring(text.encode()).find(".//{http://www.openarchives.org/OAI/2.0/}record")
    assert record_to_item(record).data["withdrawn"] is False
    withdrawn = text.replace("<size>849kb</size><source_type>D</source_type>", "<size>1kb</size><source_type>I</source_type>")
    record = etree.fromstring(withdrawn.encode()).find(".//{http://www.openarchives.org/OAI/2.0/}record")
    data = record_to_item(record).data
    assert data["withdrawn"] is True and data["version"] == 2
