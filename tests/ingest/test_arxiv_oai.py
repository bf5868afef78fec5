"""OAI-PMH harvest with the real sickle client against a loopback server speaking arXiv's format."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from dailypapers.ingest.models import HarvestState, IngestRun, QuarantinedRecord
from dailypapers.ingest.pipeline import IngestPipeline
from dailypapers.ingest.sources.arxiv_oai import HarvestError, OaiHarvest
from dailypapers.papers.models import Paper
from tests.ingest.fixture_server import (
    XML,
    FixtureServer,
    arxiv_raw_record,
    arxiv_record,
    deleted_record,
    oai_error,
    oai_page,
)

pytestmark = pytest.mark.django_db(transaction=True)

MALFORMED = "<record><header><identifier>oai:arXiv.org:2611.00666</identifier><datestamp>2026-11-21</datestamp></header><metadata><arXiv xmlns='http://arxiv.org/OAI/arXiv/'><id>2611.00666</id><title></title></arXiv></metadata></record>"  # noqa: E501


@pytest.fixture(autouse=True)
def fast_arxiv(settings):
    settings.DAILYPAPERS_ARXIV_REQUEST_DELAY = 0
    settings.DAILYPAPERS_ARXIV_MAX_RETRY_AFTER = 1
    settings.DAILYPAPERS_ARXIV_MAX_RETRIES = 2
    settings.DAILYPAPERS_ARXIV_TIMEOUT = 5


class ScriptedOai:
    """Three pages; page 2 first answers 503 + Retry-After; ``fail_token`` makes a page fail hard."""

    def __init__(self):
        self.calls_503 = 0
        self.fail_token = None
        self.pages = {
            None: (
                [
                    arxiv_record("2611.00001", "First paper", authors=[("Lovelace", "Ada"), ("Babbage", "Charles"), ("Turing", "Alan M.")]),
                    arxiv_record("2611.00002", "Second paper", categories="stat.ML cs.LG"),
                ],
                "tok-2",
            ),
            "tok-2": (
                [MALFORMED, deleted_record("2611.00002"), arxiv_record("hep-th/9901001", "An old-style id", categories="hep-th")],
                "tok-3",
            ),
            "tok-3": (
                [arxiv_record("2611.00001", "First paper, revised", updated="2026-11-21", datestamp="2026-11-21",
                              authors=[("Lovelace", "Ada"), ("Babbage", "Charles"), ("Turing", "Alan M.")])],
                "",
            ),
        }

    def __call__(self, path, query):
        token = query.get("resumptionToken")
        if token is None:
            assert query["metadataPrefix"] == "arXiv" and query["verb"] == "ListRecords"
        if token == "tok-2" and self.calls_503 == 0:
            self.calls_503 += 1
            return 503, {"Retry-After": "1"}, b"busy"
        if token is not None and token == self.fail_token:
            return 0, {}, b""
        records, next_token = self.pages[token]
        return 200, XML, oai_page(records, next_token)


def harvest(**kwargs):
    kwargs.setdefault("metadata_prefix", "arXiv")
    h = OaiHarvest("cs", **kwargs)
    return IngestPipeline("arxiv-oai", detail=h.detail).run(h.items())


def test_pages_503_deleted_updated_and_malformed(settings):
    script = ScriptedOai()
    with FixtureServer(script) as server:
        settings.DAILYPAPERS_ARXIV_OAI_URL = server.url + "/oai"
        report = harvest(from_date=dt.date(2026, 11, 19), until=dt.date(2026, 11, 21))

    assert script.calls_503 == 1
    tokens = [r.get("resumptionToken") for r in server.requests]
    assert tokens == [None, "tok-2", "tok-2", "tok-3"]  # page 2 retried once after the 503
    assert server.requests[0]["set"] == "cs" and server.requests[0]["from"] == "2026-11-19"
    assert (report.created, report.updated, report.rejected, report.deleted) == (3, 1, 1, 1)

    first = Paper.objects.get(pk="2611.00001")
    assert first.title == "First paper, revised"
    assert first.updated_at.date() == dt.date(2026, 11, 21)
    assert [a.name for a in first.ordered_authors()] == ["Ada Lovelace", "Charles Babbage", "Alan M. Turing"]
    assert first.categories == ["cs.CL", "cs.LG"] and first.primary_category == "cs.CL"
    assert not Paper.objects.filter(pk="2611.00002").exists()  # deleted at the source
    assert Paper.objects.get(pk="hep-th/9901001").primary_category == "hep-th"

    bad = QuarantinedRecord.objects.get()
    assert bad.location == "oai oai:arXiv.org:2611.00666" and bad.reason == "missing title"
    state = HarvestState.objects.get(source="arxiv-oai", set_spec="cs")
    assert state.resumption_token == "" and state.last_datestamp == dt.date(2026, 11, 21)
    assert state.pages == 3 and state.records == 6


def test_network_error_keeps_checkpoint_and_rerun_resumes(settings):
    script = ScriptedOai()
    script.fail_token = "tok-3"
    with FixtureServer(script) as server:
        settings.DAILYPAPERS_ARXIV_OAI_URL = server.url + "/oai"
        with pytest.raises(HarvestError):
            harvest(from_date=dt.date(2026, 11, 19), until=dt.date(2026, 11, 21))
        state = HarvestState.objects.get()
        # Pages 1 and 2 are committed with their checkpoint; page 3 is not.
        assert state.resumption_token == "tok-3" and state.pages == 2 and "request failed" in state.last_error
        assert Paper.objects.get(pk="2611.00001").title == "First paper"
        assert IngestRun.objects.get().status == "failed"

        script.fail_token = None
        server.requests.clear()
        call_command("ingest", "arxiv-oai", "--set", "cs", verbosity=0)  # no --from: resume the checkpoint

    assert [r.get("resumptionToken") for r in server.requests] == ["tok-3"]  # nothing fetched twice
    assert Paper.objects.get(pk="2611.00001").title == "First paper, revised"
    state = HarvestState.objects.get()
    assert state.resumption_token == "" and state.last_datestamp == dt.date(2026, 11, 21)


def test_next_run_starts_after_last_complete_day_and_handles_no_records(settings):
    requests_seen = []

    def handler(path, query):
        requests_seen.append(query)
        return 200, XML, oai_error("noRecordsMatch", "no records")

    HarvestState.objects.create(source="arxiv-oai", set_spec="cs", last_datestamp=dt.date(2026, 11, 10))
    with FixtureServer(handler) as server:
        settings.DAILYPAPERS_ARXIV_OAI_URL = server.url
        report = harvest(until=dt.date(2026, 11, 12))
    assert requests_seen[0]["from"] == "2026-11-11" and requests_seen[0]["until"] == "2026-11-12"
    assert report.seen == 0
    assert HarvestState.objects.get().last_datestamp == dt.date(2026, 11, 12)


def test_first_harvest_needs_a_start_date_and_protocol_errors_are_clear(settings):
    with pytest.raises(CommandError, match="never been harvested"):
        call_command("ingest", "arxiv-oai", "--set", "math", verbosity=0)
    with FixtureServer(lambda p, q: (200, XML, oai_error("badArgument", "bad set"))) as server:
        settings.DAILYPAPERS_ARXIV_OAI_URL = server.url
        with pytest.raises(CommandError, match="badArgument"):
            call_command("ingest", "arxiv-oai", "--set", "nope", "--from", "2026-11-01", verbosity=0)
    with FixtureServer(lambda p, q: (200, XML, b"<html>not oai")) as server:
        settings.DAILYPAPERS_ARXIV_OAI_URL = server.url
        with pytest.raises(CommandError, match="not an OAI-PMH response"):
            call_command("ingest", "arxiv-oai", "--set", "nope", "--from", "2026-11-01", verbosity=0)


def test_arxiv_raw_format_carries_versions(settings):
    page = oai_page(
        [arxiv_raw_record("2611.00007", "Raw", ["Mon, 16 Nov 2026 10:00:00 GMT", "Fri, 20 Nov 2026 09:30:00 GMT"])], ""
    )
    with FixtureServer(lambda p, q: (200, XML, page)) as server:
        settings.DAILYPAPERS_ARXIV_OAI_URL = server.url
        harvest(from_date=dt.date(2026, 11, 19), metadata_prefix="arXivRaw")
    paper = Paper.objects.get(pk="2611.00007")
    assert paper.version == 2
    assert paper.published_at == dt.datetime(2026, 11, 16, 10, tzinfo=dt.timezone.utc)
    assert [a.name for a in paper.ordered_authors()] == ["Ada Lovelace", "Charles Babbage", "Alan Turing"]
