"""The harvest, API and snapshot paths on more real recorded arXiv responses (issue 12).

Each fixture is committed as it was found (tests/ingest/fixtures/real/README.md says where); the only
changes made are in memory and said so where they are made. Field by field, through the real code
paths: the OAI source against the fixture server (so resumption tokens are followed), the arXiv API
client, and ``ingest snapshot``.
"""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from lxml import etree

from dailypapers.ingest.arxiv_authors import _parsed_by_walk, parse_author_string
from dailypapers.ingest.arxiv_format import author_name, parsed_author_names
from dailypapers.ingest.pipeline import IngestPipeline
from dailypapers.ingest.sources.arxiv_oai import OaiHarvest
from dailypapers.papers.models import Paper
from tests.ingest.fixture_server import ATOM, XML, FixtureServer

REAL = Path(__file__).parent / "fixtures" / "real"
UTC = dt.UTC
CC_BY = "http://creativecommons.org/licenses/by/4.0/"
ARXIV_LICENSE = "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
# arXiv's new OAI server (oaipmh.arxiv.org), 2024-03-05, arXivRaw: three records, then one.
PAGE1 = (REAL / "oaipmh_arxiv_org_listrecords_arxivraw_2024-03-05_page1.xml").read_bytes()
PAGE2 = (REAL / "oaipmh_arxiv_org_listrecords_arxivraw_2024-03-05_page2.xml").read_bytes()
TOKEN = "verb%3DListRecords%26metadataPrefix%3DarXivRaw%26from%3D2024-03-05%26until%3D2024-03-05%26skip%3D3"
ARXIV_FORMAT_9602216 = (REAL / "oaipmh_arxiv_org_listrecords_arxiv_math_9602216.xml").read_bytes()


@pytest.fixture
def fast_arxiv(settings):
    settings.DAILYPAPERS_ARXIV_REQUEST_DELAY = 0
    settings.DAILYPAPERS_ARXIV_MAX_RETRIES = 1
    settings.DAILYPAPERS_ARXIV_TIMEOUT = 5


def _harvest(settings, handler, *, metadata_prefix="arXivRaw", set_spec="", day=dt.date(2024, 3, 5)):
    with FixtureServer(handler) as server:
        settings.DAILYPAPERS_ARXIV_OAI_URL = server.url
        harvest = OaiHarvest(set_spec, from_date=day, until=day, metadata_prefix=metadata_prefix)
        report = IngestPipeline("arxiv-oai", detail=harvest.detail).run(harvest.items())
    return report, server.requests


def _names(paper_id):
    return [a.name for a in Paper.objects.get(pk=paper_id).ordered_authors()]


def _raw_pages(path, query):
    return 200, XML, PAGE2 if query.get("resumptionToken") == TOKEN else PAGE1


@pytest.mark.django_db(transaction=True)
def test_new_oai_server_arxivraw_pages_follow_the_real_token(settings, fast_arxiv):
    report, requests = _harvest(settings, _raw_pages)
    assert [r.get("resumptionToken") for r in requests] == [None, TOKEN]  # the token as arXiv wrote it, sent back
    assert requests[0]["metadataPrefix"] == "arXivRaw" and requests[0]["from"] == requests[0]["until"] == "2024-03-05"
    assert report.created == 4 and report.rejected == 0

    p = Paper.objects.get(pk="math/9602216")  # old-style id, three versions 28 years apart
    assert p.version == 3
    assert p.published_at == dt.datetime(1996, 2, 15, 0, 0, 0, tzinfo=UTC)
    assert p.updated_at == dt.datetime(2024, 3, 3, 11, 58, 8, tzinfo=UTC)
    assert p.title == "Categoricity and amalgamation for AEC and $ \\kappa $ measurable"
    assert _names("math/9602216") == ["Oren Kolman", "Saharon Shelah"]
    assert p.categories == ["math.LO"] and p.primary_category == "math.LO"
    assert p.journal_ref == "[Sh:362]: Fund. Math. 151 (1996), 209--240"
    assert p.report_no == "Shelah [Sh:E102], was previously Shelah [Sh:362]"
    assert p.comments == "We now use the framework of AECs rather than models of a fixed theory"
    assert p.license == CC_BY and p.doi == "" and p.withdrawn_at is None
    paragraphs = p.abstract.split("\n\n")  # arXiv marks its paragraphs by indenting the line
    assert [x[:25] for x in paragraphs] == ["In the original version o", "In this revised version w", "Presently sub-section \\S1"]
    assert "cardinal $\\lambda > \\kappa$" in paragraphs[0]  # &gt; unescaped once, the TeX kept

    p = Paper.objects.get(pk="1907.01743")  # ten authors, an Oxford comma, four categories
    assert _names("1907.01743") == [
        "Yi Wang", "Haoran Dou", "Xiaowei Hu", "Lei Zhu", "Xin Yang", "Ming Xu", "Jing Qin", "Pheng-Ann Heng", "Tianfu Wang", "Dong Ni",
    ]  # fmt: skip
    assert p.categories == ["eess.IV", "cs.AI", "cs.CV", "cs.LG"] and p.primary_category == "eess.IV"
    assert p.version == 2 and p.published_at == dt.datetime(2019, 7, 3, 5, 21, 52, tzinfo=UTC)
    assert p.updated_at == dt.datetime(2024, 3, 3, 11, 57, 48, tzinfo=UTC)
    assert p.doi == "10.1109/TMI.2019.2913184" and p.journal_ref == "" and p.report_no == ""
    assert p.comments == "11 pages, 10 figures, 2 tables. Accepted by IEEE transactions on Medical Imaging"

    p = Paper.objects.get(pk="1711.03463")
    assert _names("1711.03463") == ["Chuanzhong Li", "Bao Shou"] and p.version == 3
    assert p.published_at == dt.datetime(2017, 11, 9, 16, 35, 17, tzinfo=UTC)
    assert p.updated_at == dt.datetime(2021, 12, 5, 11, 29, 23, tzinfo=UTC)
    assert p.license == "http://creativecommons.org/publicdomain/zero/1.0/" and p.doi == "10.1007/s00220-024-04940-9"
    assert p.journal_ref == "Commun. Math. Phys. (2024) 405:70" and p.categories == ["math-ph", "math.MP"]

    p = Paper.objects.get(pk="2103.08413")  # the second page
    assert _names("2103.08413") == ["Meghana Thiyyakat", "Subramaniam Kalambur", "Dinkar Sitaram"]
    assert p.version == 2 and p.published_at == dt.datetime(2021, 3, 15, 14, 39, 25, tzinfo=UTC)
    assert p.license == "http://creativecommons.org/licenses/by-nc-nd/4.0/" and p.doi == "10.1016/j.adhoc.2024.103403"
    assert p.title == "Megha: Decentralized Global Fair Scheduling for Federated Clusters"


@pytest.mark.django_db(transaction=True)
def test_arxiv_format_after_arxivraw_keeps_the_version_and_first_version_date(settings, fast_arxiv):
    # The same paper in both formats, as the server sent them: <created> is 2024-03-03, the day of v3.
    _harvest(settings, _raw_pages)
    report, requests = _harvest(settings, lambda path, query: (200, XML, ARXIV_FORMAT_9602216), metadata_prefix="arXiv")
    assert requests[0]["metadataPrefix"] == "arXiv" and report.rejected == 0
    p = Paper.objects.get(pk="math/9602216")
    assert p.version == 3  # the arXiv format has no version list: unknown, so the stored 3 stays
    assert p.published_at == dt.datetime(1996, 2, 15, tzinfo=UTC)  # not 2024-03-03
    assert p.updated_at >= dt.datetime(2024, 3, 3, 11, 58, 8, tzinfo=UTC)  # never earlier
    assert _names("math/9602216") == ["Oren Kolman", "Saharon Shelah"]  # <keyname>/<forenames>, same names
    assert p.report_no == "Shelah [Sh:E102], was previously Shelah [Sh:362]" and p.license == CC_BY
    # The text fields are the last record's: this format sends TeX macros converted to Unicode (arXiv's
    # tex2utf), so "$ \\kappa $" comes back as "$ κ$" (README, "What a harvest stores").
    assert p.title == "Categoricity and amalgamation for AEC and $ κ$ measurable"


@pytest.mark.django_db(transaction=True)
def test_arxiv_format_alone_stores_created_as_the_first_version_bound(settings, fast_arxiv):
    report, _ = _harvest(settings, lambda path, query: (200, XML, ARXIV_FORMAT_9602216), metadata_prefix="arXiv")
    assert report.created == 1
    p = Paper.objects.get(pk="math/9602216")
    assert p.version == 1  # a new paper of unknown version
    assert p.published_at == dt.datetime(2024, 3, 3, tzinfo=UTC)  # at most this day: all this format says
    _harvest(settings, _raw_pages)  # arXivRaw then knows better
    p.refresh_from_db()
    assert p.version == 3 and p.published_at == dt.datetime(1996, 2, 15, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_recorded_arxiv_format_pages_2017_field_by_field(settings, fast_arxiv):
    hep_ex = (REAL / "hepcrawl_listrecords_arxiv_2017-12-14_hep-ex.xml").read_bytes()
    hep_th = (REAL / "hepcrawl_listrecords_arxiv_2017-12-14_hep-th.xml").read_bytes()
    # The two recorded pages (sets hep-ex and hep-th of the same day) carry no token; one is added
    # here, in memory, so that the second is fetched the way arXiv's next page would be.
    first = hep_ex.replace(b"</ListRecords>", b'<resumptionToken cursor="0" completeListSize="6">fixture|3</resumptionToken></ListRecords>')

    def handler(path, query):
        return 200, XML, hep_th if query.get("resumptionToken") == "fixture|3" else first

    report, requests = _harvest(settings, handler, metadata_prefix="arXiv", set_spec="physics:hep-ex", day=dt.date(2017, 12, 14))
    assert [r.get("resumptionToken") for r in requests] == [None, "fixture|3"] and requests[0]["set"] == "physics:hep-ex"
    assert report.created == 6 and report.rejected == 0

    assert _names("1706.05371") == [
        "Tyler Anderson", "Jacob Cutter", "Navneet Dhaliwal", "Olivia Dalager", "Benjamin Godfrey", "Seth Hillbrand",
        "Michael Irving", "Aaron Manalaysay", "Juan Montoya", "James Morad", "Christian Neher", "Dustin Stolp", "Mani Tripathi",
    ]  # fmt: skip
    p = Paper.objects.get(pk="1706.05371")
    assert p.title == "Evaluation of Silicon Photomultipliers for use as Photosensors in Liquid Xenon Detectors"
    assert p.categories == ["physics.ins-det", "hep-ex"] and p.primary_category == "physics.ins-det"
    assert p.version == 1  # unknown in this format: a new paper is v1
    assert p.published_at == dt.datetime(2017, 6, 16, tzinfo=UTC) and p.updated_at == dt.datetime(2017, 12, 12, tzinfo=UTC)
    assert p.comments == "10 pages, 9 figures" and p.license == ARXIV_LICENSE and p.doi == ""

    p = Paper.objects.get(pk="1706.09418")
    assert _names("1706.09418") == ["Daniel Dercks", "Herbi Dreiner", "Manuel E. Krauss", "Toby Opferkuch", "Annika Reinert"]
    assert p.title == "R-Parity Violation at the LHC" and p.report_no == "BONN-TH-2017-03"
    assert p.journal_ref == "Eur. Phys. J. C (2017) 77:856" and p.doi == "10.1140/epjc/s10052-017-5414-4"
    assert p.categories == ["hep-ph", "hep-ex"] and p.updated_at == dt.datetime(2017, 11, 26, tzinfo=UTC)
    assert "$\\bar U\\bar D\\bar D$ models" in p.abstract and "\n" not in p.abstract

    p = Paper.objects.get(pk="1707.00874")
    assert p.report_no == "IITH-PH-0001/17, IMSc/2017/07/05" and p.categories == ["hep-ph", "astro-ph.CO", "hep-ex"]
    assert _names("1707.00874") == ["Priyotosh Bandyopadhyay", "Eung Jin Chun", "Rusa Mandal"]

    p = Paper.objects.get(pk="1412.8323")  # second page
    assert _names("1412.8323") == ["Philipp A Hoehn"] and p.license == CC_BY
    assert p.categories == ["quant-ph", "gr-qc", "hep-th", "math-ph", "math.MP", "physics.hist-ph"]
    assert p.published_at == dt.datetime(2014, 12, 29, tzinfo=UTC) and p.updated_at == dt.datetime(2017, 12, 13, tzinfo=UTC)
    p = Paper.objects.get(pk="1607.01710")
    assert _names("1607.01710") == ["R. A. C. Correa", "D. M. Dantas", "P. H. R. S. Moraes", "A. de Souza Dutra", "C. A. S. Almeida"]
    assert p.doi == "10.1002/andp.201700188"
    p = Paper.objects.get(pk="1507.07790")
    assert p.journal_ref == "J. Phys. A: Math. Theor. 51 (2018) 035201" and p.doi == "10.1088/1751-8121/aa9c53"


def _recorded_atom(name):
    # arxiv.py records a response as JSON with the body as latin-1 text of the bytes (its tests/conftest.py):
    # encoding it back to latin-1 gives the bytes arXiv sent.
    return json.loads((REAL / name).read_text(encoding="utf-8"))["body"].encode("latin-1")


def test_recorded_atom_search_with_ten_entries(settings, fast_arxiv, db):  # db: the site-wide arXiv request slot
    from dailypapers.ingest.sources.arxiv_api import fetch_papers

    body = _recorded_atom("arxivpy_api_atom_search_testing_10_entries.json")
    ids = ["2202.12139", "2405.13786", "2005.14124", "2204.08348", "2302.03287",
           "1202.4527", "2503.05378", "1205.1866", "2502.07719", "1812.11470"]  # fmt: skip
    with FixtureServer(lambda path, query: (200, ATOM, body)) as server:
        settings.DAILYPAPERS_ARXIV_API_URL = server.url + "/api/query"
        found = fetch_papers(ids)
    assert sorted(found) == sorted(ids)
    assert [found[i]["version"] for i in ids] == [1, 1, 2, 3, 3, 1, 2, 1, 2, 1]
    r = found["2405.13786"]  # UTF-8 names (the recording's latin-1 text undone)
    assert r["authors"] == ["Aurora Ramírez", "Mario Berrios", "José Raúl Romero", "Robert Feldt"]
    assert r["published"] == "2024-05-22T16:11:45+00:00" and r["doi"] == "10.1109/ICSTW58534.2023.00023"
    r = found["2005.14124"]
    assert r["published"] == "2020-05-28T16:19:50+00:00" and r["updated"] == "2020-07-16T08:15:48+00:00"
    assert r["authors"][:4] == ["Yuqi Chen", "Bohan Xuan", "Christopher M. Poskitt", "Jun Sun"] and len(r["authors"]) == 5
    assert r["categories"] == ["cs.SE", "cs.CR", "cs.LG"] and r["primary_category"] == "cs.SE"
    assert r["journal_ref"].startswith("In Proc. ACM SIGSOFT International Symposium on Software Testing and Analysis")
    r = found["1205.1866"]
    assert r["primary_category"] == "cs.AR" and r["doi"] == "10.5121/vlsic.2012.3205" and r["journal_ref"] is None
    assert r["comments"] == "Microcontroller, FPGA, Testing, TMR, SOC" and r["title"] == "Microcontroller Based Testing of Digital IP-Core"


def test_recorded_atom_old_style_id(settings, fast_arxiv, db):
    from dailypapers.ingest.sources.arxiv_api import fetch_paper

    body = _recorded_atom("arxivpy_api_atom_id_list_astro-ph_0601001.json")
    with FixtureServer(lambda path, query: (200, ATOM, body)) as server:
        settings.DAILYPAPERS_ARXIV_API_URL = server.url + "/api/query"
        r = fetch_paper("astro-ph/0601001")
    assert r["id"] == "astro-ph/0601001" and r["version"] == 1
    assert r["published"] == r["updated"] == "2006-01-02T14:57:58+00:00"
    assert r["authors"][:4] == ["Andrew Gould", "Susan Dorsher", "B. Scott Gaudi", "Andrzej Udalski"]
    assert r["categories"] == ["astro-ph"] and r["journal_ref"] == "ActaAstron.56:1-50,2006" and r["doi"] is None
    assert r["title"].startswith("Frequency of Hot Jupiters and Very Hot Jupiters from the OGLE-III Transit Surveys")


# -- snapshot lines across the years, through ``ingest snapshot`` ----------------------------------
SNAPSHOT_FILES = ["kaggle_snapshot_0704.0001-0200.jsonl", "arxiv_reader_snapshot_lines_1998-2026.jsonl"]


def _snapshot_lines():
    return [json.loads(line) for name in SNAPSHOT_FILES for line in (REAL / name).read_text(encoding="utf-8").splitlines()]


@pytest.mark.django_db
def test_real_snapshot_lines_through_the_snapshot_import(tmp_path, capsys):
    path = tmp_path / "real.jsonl"
    path.write_bytes(b"".join((REAL / name).read_bytes() for name in SNAPSHOT_FILES))
    call_command("ingest", "snapshot", str(path), "--workers", "0")
    assert "204 created, 0 updated, 0 unchanged, 0 rejected" in capsys.readouterr().out

    lines = _snapshot_lines()
    stored = {p.pk: p for p in Paper.objects.all()}
    for line in lines:  # every line: authors as arXiv's authors_parsed, versions, v1 date with its time of day
        p = stored[line["id"]]
        expected = [" ".join(n.split()) for n in (author_name(a) for a in line["authors_parsed"]) if n]
        assert [a.name for a in p.ordered_authors()] == expected, line["id"]
        assert p.version == int(line["versions"][-1]["version"][1:]), line["id"]
        v1 = dt.datetime.strptime(line["versions"][0]["created"], "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
        assert p.published_at == v1, line["id"]

    p = stored["solv-int/9806004"]  # 1998, an old-style id kept as it is, no license then
    assert [a.name for a in p.ordered_authors()] == ["Q. P. Liu", "Manuel Manas"]
    assert p.categories == ["solv-int", "nlin.SI"] and p.primary_category == "solv-int" and p.license == ""
    assert p.published_at == dt.datetime(1998, 6, 11, 16, 8, 7, tzinfo=UTC) and p.version == 1
    assert p.comments == "8 pages, LaTeX2e with AMSLaTeX and Babel packages" and p.journal_ref == "" and p.doi == ""
    assert p.abstract.startswith("The Grammian determinant type solutions of the KP hierarchy, obtained through the vectorial")

    p = stored["0909.0774"]  # three versions, 2009 to 2026
    assert p.version == 3 and p.published_at == dt.datetime(2009, 9, 3, 22, 17, 7, tzinfo=UTC)
    assert p.updated_at == dt.datetime(2026, 9, 10, 13, 53, 49, tzinfo=UTC) and p.categories == ["math.GR", "math.LO"]

    p = stored["1503.01470"]  # TeX accents in the raw line, Unicode in authors_parsed: the same names
    assert [a.name for a in p.ordered_authors()] == ["Q. Baghi", "G. Métris", "J. Bergé", "B. Christophe", "P. Touboul", "M. Rodrigues"]
    assert p.doi == "10.1103/PhysRevD.91.062003" and p.journal_ref == "Phys. Rev. D 91, 062003, 2015"
    assert p.categories == ["gr-qc", "astro-ph.IM"] and p.withdrawn_at is None

    p = stored["1904.00521"]  # 2019 to 2026, CC BY, an abstract without hard wraps
    assert p.version == 2 and p.license == CC_BY and p.updated_at == dt.datetime(2026, 9, 9, 18, 25, 47, tzinfo=UTC)
    assert len(p.ordered_authors()) == 5 and "$\\textbf{Bayesian nonparametric ensemble framework}$" in p.abstract

    p = stored["0704.0156"]  # "This paper has been withdrawn by the authors." in the last version's comments
    assert p.version == 2 and p.withdrawn_at == p.updated_at == dt.datetime(2008, 3, 5, 4, 28, 27, tzinfo=UTC)
    p = stored["0704.0020"]  # a collaboration as the first author
    assert [a.name for a in p.ordered_authors()] == ["The BABAR Collaboration", "B. Aubert"]
    assert sum(1 for p in stored.values() if p.withdrawn_at) == 1


def test_the_inline_authors_parsed_names_are_author_name_of_each():
    # parsed_author_names inlines author_name's shortcut: the same names on every real line, and on
    # the shapes the shortcut must leave to author_name.
    for line in _snapshot_lines():
        assert parsed_author_names(line["authors_parsed"]) == [n for n in map(author_name, line["authors_parsed"]) if n]
    odd = [["Mu\\~noz", "Jos\\'e", ""], ["{\\O}stergaard", "J.", ""], [" Pad", "A.", ""], ["Last", "First ", ""], ["", "Only", ""],
           ["Solo", "", ""], [":", "", ""], ["Evans", "L.", "II"], ["X", "Y"], "string", None, [1, "a", ""], ["K", "J", "", "Affil"]]  # fmt: skip
    assert parsed_author_names(odd) == [n for n in map(author_name, odd) if n]


@pytest.mark.django_db(transaction=True)
def test_snapshot_then_harvest_of_the_same_paper_agree(settings, fast_arxiv, tmp_path, capsys):
    # 0909.0774 as the snapshot has it and as the OAI server sent it (arXivRaw, an empty final token).
    line = next(s for s in (REAL / SNAPSHOT_FILES[1]).read_text(encoding="utf-8").splitlines() if '"id":"0909.0774"' in s)
    (tmp_path / "one.jsonl").write_text(line + "\n", encoding="utf-8")
    call_command("ingest", "snapshot", str(tmp_path / "one.jsonl"), "--workers", "0")
    before = Paper.objects.get(pk="0909.0774")
    raw = (REAL / "oaipmh_arxiv_org_listrecords_arxivraw_0909.0774.xml").read_bytes()
    report, requests = _harvest(settings, lambda path, query: (200, XML, raw), day=dt.date(2026, 9, 11))
    assert len(requests) == 1 and report.rejected == 0 and report.created == 0
    p = Paper.objects.get(pk="0909.0774")
    assert (p.version, p.published_at, p.updated_at) == (before.version, before.published_at, before.updated_at)
    assert (p.version, p.published_at) == (3, dt.datetime(2009, 9, 3, 22, 17, 7, tzinfo=UTC))
    assert p.updated_at == dt.datetime(2026, 9, 10, 13, 53, 49, tzinfo=UTC)
    assert _names("0909.0774") == ["Zlil Sela"] and p.license == ARXIV_LICENSE and p.categories == ["math.GR", "math.LO"]
    assert p.title == before.title and p.abstract == before.abstract


def _real_author_strings():
    strings = [r["authors"] for name in ("oaipmh_browse_db_authors.jsonl", *SNAPSHOT_FILES)
               for r in map(json.loads, (REAL / name).read_text(encoding="utf-8").splitlines())]  # fmt: skip
    for name in ("export_arxiv_oai2_listrecords_arxivraw_2015.xml", "export_arxiv_oai2_getrecord_arxivraw_1302.2146.xml",
                 "oaipmh_arxiv_org_listrecords_arxivraw_2024-03-05_page1.xml", "oaipmh_arxiv_org_listrecords_arxivraw_2024-03-05_page2.xml",
                 "oaipmh_arxiv_org_listrecords_arxivraw_0909.0774.xml"):  # fmt: skip
        tree = etree.fromstring((REAL / name).read_bytes())
        strings += [el.text for el in tree.iter("{http://arxiv.org/OAI/arXivRaw/}authors")]
    return strings


def test_the_author_parsers_fast_path_agrees_with_the_walk_on_every_real_line():
    strings = _real_author_strings()
    fast = [s for s in strings if "(" not in s]
    for s in strings:
        assert parse_author_string(s) == _parsed_by_walk(" ".join(s.split())), s
    print(f"{len(strings)} real author lines, {len(fast)} on the fast path")
    assert len(strings) > 720 and len(fast) > len(strings) / 2
    # and the shapes the fast path splits on, written out
    for s in ["A. One, B. Two and C. Three", "A. One, B. Two, and C. Three", "A , B", ",A,,B,", "A & B", "A AND B", "Anderson Band, Candy",
              "HESS Collaboration: A. Abramowski; F. Acero", "G. David Forney, Jr. and Pascal O. Vontobel", "X. Y, et al",
              "Jos\\'e Mu\\~noz, {\\O}ystein", "A.and B.", "A. One and", "and B. Two"]:  # fmt: skip
        assert parse_author_string(s) == _parsed_by_walk(" ".join(s.split())), s


def test_snapshot_withdrawal_is_arxivs_notice_at_the_start_of_the_comments():
    from dailypapers.ingest.arxiv_format import snapshot_to_import

    line = next(json.loads(s) for s in (REAL / SNAPSHOT_FILES[0]).read_text(encoding="utf-8").splitlines() if '"id":"0704.0156"' in s)
    assert snapshot_to_import(line)["withdrawn"] is True
    for comments, withdrawn in [("This article has been withdrawn by the author due to an error in eq. 3", True),
                                ("  THIS PAPER HAS BEEN WITHDRAWN", True), ("37 pages; the earlier claim has been withdrawn", False),
                                ("This paper has been withdrawnn", False), (None, False), ("", False)]:  # fmt: skip
        assert snapshot_to_import(dict(line, comments=comments))["withdrawn"] is withdrawn, comments
