"""bioRxiv and medRxiv (api.biorxiv.org) through the same pipeline: their own record shape, ids that
cannot be arXiv's, papers on the same pages, listings filtered by server. The API's answers are
hand-written in its documented shape (fixtures/biorxiv/README.md: no recorded one was found)."""

import datetime as dt
import json
import socket
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from dailypapers.ingest.models import HarvestState
from dailypapers.ingest.pipeline import IngestPipeline
from dailypapers.ingest.sources.biorxiv import BiorxivError, BiorxivHarvest, details_to_import, fetch_doi
from dailypapers.papers.identifiers import is_arxiv_id, parse_paper_id, preprint_paper_id, server_of
from dailypapers.papers.models import DailyEntry, Paper
from tests.ingest.fixture_server import FixtureServer

FIXTURES = Path(__file__).parent / "fixtures" / "biorxiv"
PAGE0 = (FIXTURES / "details_biorxiv_2024-01-01_2024-01-02_page0.json").read_bytes()
PAGE3 = (FIXTURES / "details_biorxiv_2024-01-01_2024-01-02_page3.json").read_bytes()
MEDRXIV_DOI = (FIXTURES / "details_medrxiv_doi_10.1101_2020.04.01.20049999.json").read_bytes()
NO_POSTS = b'{"messages":[{"status":"no posts found"}],"collection":[]}'
JSON = {"Content-Type": "application/json; charset=UTF-8"}
UTC = dt.UTC


def test_a_record_maps_to_the_import_shape_from_its_own_fields():
    record = json.loads(PAGE0)["collection"][0]
    data = details_to_import(record, "biorxiv")
    assert data["id"] == "biorxiv-2023.12.30.573731" and data["version"] == 1 and data["doi"] == "10.1101/2023.12.30.573731"
    assert data["authors"] == ["M. Loconsole", "C. Xue", "E. Garcia-Pelegrin"]
    assert data["categories"] == ["animal-behavior-and-cognition"] and data["published"] == "2024-01-01"
    assert data["license"] == "http://creativecommons.org/licenses/by-nc-nd/4.0/" and data["comments"] == "new results"
    later = details_to_import(json.loads(PAGE0)["collection"][1], "biorxiv")
    assert later["version"] == 2 and later["published"] is None and later["published_at_most"] == "2024-01-02"
    assert later["journal_ref"] == "doi:10.1038/s41586-024-00001-1"


def test_ids_cannot_collide_with_arxiv_ids():
    for paper_id in ("biorxiv-2023.12.30.573731", "medrxiv-2020.04.01.20049999", "biorxiv-10.64898-2024.01.01.629756"):
        assert not is_arxiv_id(paper_id) and parse_paper_id(paper_id) == (paper_id, None)
    assert preprint_paper_id("biorxiv", "10.64898/2024.01.01.629756") == "biorxiv-10.64898-2024.01.01.629756"
    assert server_of("2401.00001") == "arxiv" and server_of("medrxiv-2020.04.01.20049999") == "medrxiv"
    assert server_of("sample-3f2a9c01bd") == ""


@pytest.fixture
def api(settings):
    settings.DAILYPAPERS_BIORXIV_REQUEST_DELAY = 0
    settings.DAILYPAPERS_BIORXIV_TIMEOUT = 5
    answers = {
        "/details/biorxiv/2024-01-01/2024-01-02/0/json": (200, JSON, PAGE0),
        "/details/biorxiv/2024-01-01/2024-01-02/3/json": (200, JSON, PAGE3),
        "/details/medrxiv/10.1101/2020.04.01.20049999/na/json": (200, JSON, MEDRXIV_DOI),
    }
    with FixtureServer(lambda path, query: answers.get(path, (200, JSON, NO_POSTS))) as server:
        server.answers = answers
        settings.DAILYPAPERS_BIORXIV_API_URL = server.url
        yield server


@pytest.mark.django_db(transaction=True)
def test_a_date_range_is_harvested_page_by_page_and_merged_by_the_same_rules(api, settings):
    harvest = BiorxivHarvest("biorxiv", from_date=dt.date(2024, 1, 1), until=dt.date(2024, 1, 2))
    report = IngestPipeline("biorxiv", detail=harvest.detail).run(harvest.items())
    assert report.created == 3 and report.rejected == 0
    assert api.paths == ["/details/biorxiv/2024-01-01/2024-01-02/0/json", "/details/biorxiv/2024-01-01/2024-01-02/3/json"]
    assert api.headers[0]["User-Agent"] == settings.DAILYPAPERS_ARXIV_USER_AGENT and api.headers[0]["Accept"] == "application/json"
    enhancers = Paper.objects.get(pk="biorxiv-2023.11.20.567890")  # v1 and v2 on one page: one paper at v2
    assert enhancers.version == 2 and enhancers.abstract == "A second version with new replicates."
    assert enhancers.published_at == dt.datetime(2024, 1, 1, tzinfo=UTC) and enhancers.source == "biorxiv"
    assert Paper.objects.get(pk="biorxiv-10.64898-2024.01.01.629756").license == "http://creativecommons.org/publicdomain/zero/1.0/"
    assert HarvestState.objects.get(source="biorxiv").last_datestamp == dt.date(2024, 1, 2)

    again = BiorxivHarvest("biorxiv", from_date=dt.date(2024, 1, 1), until=dt.date(2024, 1, 2))
    assert IngestPipeline("biorxiv").run(again.items()).unchanged == 3  # idempotent, as every source


@pytest.mark.django_db(transaction=True)
def test_a_harvest_cut_off_resumes_at_the_first_page_not_written(api):
    api.answers["/details/biorxiv/2024-01-01/2024-01-02/3/json"] = (503, {}, b"")
    harvest = BiorxivHarvest("biorxiv", from_date=dt.date(2024, 1, 1), until=dt.date(2024, 1, 2))
    with pytest.raises(BiorxivError, match="HTTP 503"):
        IngestPipeline("biorxiv").run(harvest.items())
    assert Paper.objects.count() == 2 and HarvestState.objects.get(source="biorxiv").resumption_token == "3"
    api.answers["/details/biorxiv/2024-01-01/2024-01-02/3/json"] = (200, JSON, PAGE3)
    api.paths.clear()
    IngestPipeline("biorxiv").run(BiorxivHarvest("biorxiv").items())  # the same range, from its checkpoint
    assert api.paths == ["/details/biorxiv/2024-01-01/2024-01-02/3/json"] and Paper.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_doi_lookup_takes_the_latest_version_and_the_first_versions_date(api, capsys):
    call_command("ingest", "biorxiv-doi", "10.1101/2020.04.01.20049999", "10.1101/2020.01.01.00000000", "--server", "medrxiv")
    out = capsys.readouterr().out
    assert "1 created" in out and "unknown DOI: medrxiv has no paper 10.1101/2020.01.01.00000000" in out
    paper = Paper.objects.get(pk="medrxiv-2020.04.01.20049999")
    assert paper.version == 2 and paper.title == "Seroprevalence in a city cohort (revised)"
    assert paper.published_at == dt.datetime(2020, 4, 3, tzinfo=UTC) and paper.journal_ref == "doi:10.1371/journal.pone.0256482"
    assert paper.primary_category == "infectious-diseases-except-hiv-aids"
    with pytest.raises(CommandError, match="bad DOI"):
        call_command("ingest", "biorxiv-doi", "not/a doi")


@pytest.mark.django_db(transaction=True)
def test_papers_of_every_server_on_the_same_pages_filtered_by_server(api, member):
    IngestPipeline("biorxiv").run(BiorxivHarvest("biorxiv", from_date=dt.date(2024, 1, 1), until=dt.date(2024, 1, 2)).items())
    call_command("ingest", "biorxiv-doi", "10.1101/2020.04.01.20049999", "--server", "medrxiv")
    arxiv = Paper.objects.create(id="2401.00001", title="An arXiv paper", published_at=timezone.now())
    today = timezone.localdate()
    for paper_id in ("biorxiv-2023.12.30.573731", "medrxiv-2020.04.01.20049999", arxiv.pk):
        DailyEntry.objects.create(paper_id=paper_id, date=today, submitted_by=member, submitted_at=timezone.now())
    client = Client()
    day = f"/papers/date/{today:%Y-%m-%d}"
    page = client.get(day).content.decode()
    assert "Cortical dynamics of sound-shape matching" in page and "Seroprevalence" in page and "An arXiv paper" in page
    only_bio = client.get(day, {"server": "biorxiv"}).content.decode()
    assert "Cortical dynamics" in only_bio and "Seroprevalence" not in only_bio and "An arXiv paper" not in only_bio
    only_arxiv = client.get(day, {"server": "arxiv"}).content.decode()
    assert "An arXiv paper" in only_arxiv and "Cortical dynamics" not in only_arxiv
    assert 'name="server"' in page and client.get(day, {"server": "nonsense"}).status_code == 200

    listed = client.get("/api/v1/papers", {"server": "medrxiv"}).json()
    assert [p["id"] for p in listed["items"]] == ["medrxiv-2020.04.01.20049999"]
    assert client.get("/api/v1/papers", {"server": "nonsense"}).status_code in (400, 422)

    detail = client.get("/papers/biorxiv-2023.12.30.573731").content.decode()
    assert 'href="https://www.biorxiv.org/content/10.1101/2023.12.30.573731v1"' in detail and "arxiv.org/abs" not in detail
    assert client.get("/papers/biorxiv-2023.12.30.573731.md").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_daily_job_and_an_api_that_answers_nothing(api, settings):
    from dailypapers.ingest.tasks import harvest_biorxiv

    today = timezone.now().astimezone(UTC).date().isoformat()
    api.answers[f"/details/biorxiv/2024-01-01/{today}/0/json"] = (200, JSON, PAGE0)
    api.answers[f"/details/biorxiv/2024-01-01/{today}/3/json"] = (200, JSON, PAGE3)
    settings.DAILYPAPERS_BIORXIV_SERVERS = ["biorxiv", "medrxiv"]
    summaries = harvest_biorxiv.call("2024-01-02")  # never harvested: from the day before, until today
    assert "3 created" in summaries["biorxiv"] and "0 created" in summaries["medrxiv"]  # medRxiv: "no posts found"
    yesterday = (timezone.now().astimezone(UTC).date() - dt.timedelta(days=1)).isoformat()
    assert HarvestState.objects.get(source="biorxiv").last_datestamp.isoformat() == yesterday  # today may still grow
    api.answers[f"/details/biorxiv/{today}/{today}/0/json"] = (200, JSON, b"")
    settings.DAILYPAPERS_BIORXIV_SERVERS = ["biorxiv"]
    assert harvest_biorxiv.call(today)["biorxiv"] == "failed: the bioRxiv API answered with an empty body"


@pytest.mark.django_db(transaction=True)
def test_an_api_that_never_answers_stalls_nothing(settings):
    settings.DAILYPAPERS_BIORXIV_TIMEOUT = 0.5
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        settings.DAILYPAPERS_BIORXIV_API_URL = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(BiorxivError, match="could not be reached"):
            fetch_doi("10.1101/2020.04.01.20049999", "medrxiv")
        assert time.monotonic() - started < 3


@pytest.mark.django_db(transaction=True)
def test_members_submit_a_preprint_by_its_page_or_its_doi(api, member, settings):
    from dailypapers.ingest.services import SubmissionError, submit_paper

    settings.DAILYPAPERS_SUBMISSION_WINDOW_DAYS = 100 * 365  # the answers are from 2020
    entry = submit_paper(member, "10.1101/2020.04.01.20049999")  # a bare DOI: bioRxiv has none, medRxiv has it
    assert entry.paper_id == "medrxiv-2020.04.01.20049999" and entry.paper.source == "medrxiv"
    assert api.paths == ["/details/biorxiv/10.1101/2020.04.01.20049999/na/json", "/details/medrxiv/10.1101/2020.04.01.20049999/na/json"]
    with pytest.raises(SubmissionError, match="already on the page"):
        submit_paper(member, "https://www.medrxiv.org/content/10.1101/2020.04.01.20049999v2.full.pdf")
    with pytest.raises(SubmissionError, match="bioRxiv and medRxiv have no paper 10.1101/2020.01.01.00000000"):
        submit_paper(member, "doi:10.1101/2020.01.01.00000000")
    with pytest.raises(SubmissionError, match="not an arXiv id.*bioRxiv/medRxiv DOI"):
        submit_paper(member, "10.1038/nature12373")
    settings.DAILYPAPERS_BIORXIV_API_URL = "http://127.0.0.1:9"
    with pytest.raises(SubmissionError, match="bioRxiv did not answer for 10.1101/2024.05.05.000001; try again"):
        submit_paper(member, "https://www.biorxiv.org/content/10.1101/2024.05.05.000001v1")
    assert DailyEntry.objects.count() == 1
