"""arXiv's announcement feeds (rss.arxiv.org) as a daily source, on real recorded feeds
(tests/ingest/fixtures/real/README.md says where each came from)."""

import datetime as dt
import socket
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from dailypapers.ingest.models import HarvestState, IngestRun
from dailypapers.ingest.pipeline import IngestPipeline, SourceItem
from dailypapers.ingest.sources.arxiv_rss import (
    FEED_ITEM_CAP,
    FeedError,
    feed_name_for,
    parse_feed,
    pipeline_items,
)
from dailypapers.ingest.tasks import harvest_feed
from dailypapers.papers.models import Paper
from tests.ingest.fixture_server import FixtureServer

REAL = Path(__file__).parent / "fixtures" / "real"
ATOM_FEED = (REAL / "arxiv_rss_atom_cs.AI_2025-08-20.xml").read_bytes()
RSS_FEED = (REAL / "arxiv_rss_docs_math.OC_replace-cross_2203.01250.xml").read_bytes()
ANNOUNCED = dt.datetime(2025, 8, 20, 4, 0, tzinfo=dt.UTC)  # 00:00 US Eastern (EDT) on the announcement day


def test_the_real_atom_feed_maps_each_announcement_to_the_record_shape():
    feed = parse_feed(ATOM_FEED, "cs.AI")
    assert feed.announced == dt.date(2025, 8, 20) and not feed.capped
    kinds = [a.announce_type for a in feed.announcements]
    assert len(kinds) == 86 and kinds.count("new") == 41 and kinds.count("cross") == 45
    by_id = {a.data["id"]: a.data for a in feed.announcements}
    assert feed.announcements[0].data["id"] == "2508.13167" and feed.announcements[0].announce_type == "new"
    align = by_id["2508.13426"]  # cross-listed to cs.AI from cs.CL
    assert align["version"] == 1 and align["title"].startswith("ALIGN: Word Association Learning")
    assert align["abstract"].startswith("As large language models (LLMs) increasingly mediate")  # no "arXiv:… Announce Type" prefix
    assert align["categories"] == ["cs.CL", "cs.AI"] and align["primary_category"] == "cs.CL"
    assert align["authors"] == ["Chunhua Liu", "Kabir Manandhar Shrestha", "Sukai Huang"]
    assert align["license"] == "http://creativecommons.org/licenses/by-nc-sa/4.0/"
    assert "published" not in align and align["published_at_most"] == "2025-08-20T00:00:00-04:00"
    assert by_id["2508.13429"]["authors"] == ["Paulo André Lima de Castro"]  # dc:creator with a TeX accent


@pytest.mark.django_db
def test_a_new_paper_from_the_feed_is_stored_with_the_announcement_day_as_its_latest_possible_date():
    report = IngestPipeline("arxiv-rss").run(pipeline_items(parse_feed(ATOM_FEED, "cs.AI")).items)
    assert report.created == 86 and report.rejected == 0
    paper = Paper.objects.get(pk="2508.13426")
    assert paper.published_at == ANNOUNCED and paper.version == 1 and paper.primary_category == "cs.CL"
    assert paper.source == "arxiv-rss"
    # The same announcements again change nothing (the pipeline's content hash).
    again = IngestPipeline("arxiv-rss").run(pipeline_items(parse_feed(ATOM_FEED, "cs.AI")).items)
    assert again.unchanged == 86 and again.created == again.updated == 0


@pytest.mark.django_db
def test_an_earlier_first_version_date_wins_over_the_announcement_day():
    IngestPipeline("arxiv-oai").run(
        [SourceItem("oai", {"id": "2508.13426", "title": "ALIGN", "version": 1, "published": "2025-08-18T17:59:59Z"})]
    )
    IngestPipeline("arxiv-rss").run(pipeline_items(parse_feed(ATOM_FEED, "cs.AI")).items)
    assert Paper.objects.get(pk="2508.13426").published_at == dt.datetime(2025, 8, 18, 17, 59, 59, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_a_replacement_is_a_new_version_of_the_stored_paper_never_a_new_paper():
    feed = parse_feed(RSS_FEED, "math.OC")  # arXiv's own documented item: replace-cross, v3, DOI, journal ref
    assert feed.announced == dt.date(2024, 2, 23)
    (item,) = feed.announcements
    assert item.announce_type == "replace-cross" and item.data["version"] == 3
    assert item.data["doi"] == "10.5802/jep.257" and item.data["journal_ref"].startswith("Journal de l'")
    assert item.data["abstract"].startswith("We consider first order local minimization problems of the form $\\min")

    run = pipeline_items(feed)  # not on this site: its first-version date is not in the feed
    assert run.items == [] and run.skipped_replacements == 1
    assert "1 replacements of papers not on this site skipped" in run.summary("0 created")

    first = {"id": "2203.01250", "version": 1, "title": "Mass concentration in rescaled first order integral functionals",
             "published": "2022-03-02T16:20:00Z", "categories": "math.AP math.OC"}  # fmt: skip
    IngestPipeline("arxiv-oai").run([SourceItem("oai", first)])
    report = IngestPipeline("arxiv-rss").run(pipeline_items(parse_feed(RSS_FEED, "math.OC")).items)
    assert report.updated == 1 and report.created == 0
    paper = Paper.objects.get(pk="2203.01250")
    assert paper.version == 3 and paper.doi == "10.5802/jep.257"
    assert paper.published_at == dt.datetime(2022, 3, 2, 16, 20, tzinfo=dt.UTC)  # the first version's, kept
    assert paper.updated_at == dt.datetime(2024, 8, 23, 4, 0, tzinfo=dt.UTC)
    assert Paper.objects.count() == 1


@pytest.mark.django_db
def test_a_weekend_feed_is_empty_and_a_full_feed_says_it_may_have_lost_items():
    start, end = RSS_FEED.index(b"<item>"), RSS_FEED.index(b"</item>") + len(b"</item>")
    weekend = parse_feed(RSS_FEED[:start] + RSS_FEED[end:], "math.OC")
    assert weekend.announcements == [] and pipeline_items(weekend).items == []

    entry_start, entry_end = ATOM_FEED.index(b"<entry>"), ATOM_FEED.index(b"</entry>") + len(b"</entry>")
    entry = ATOM_FEED[entry_start:entry_end].decode()
    entries = "".join(entry.replace("2508.13167", f"2508.{20000 + i}") for i in range(FEED_ITEM_CAP))
    full = parse_feed((ATOM_FEED[:entry_start].decode() + entries + "</feed>").encode(), "cs.AI")
    assert full.capped and "arXiv's cap" in pipeline_items(full).summary("2000 created")
    assert len(pipeline_items(full).items) == FEED_ITEM_CAP


def test_feed_errors():
    with pytest.raises(FeedError, match="not XML"):
        parse_feed(b"<html><body>Rate exceeded.", "cs.AI")
    with pytest.raises(FeedError, match="neither RSS nor Atom"):
        parse_feed(b"<OAI-PMH/>", "cs.AI")
    bad = parse_feed(ATOM_FEED.replace(b"oai:arXiv.org:2508.13167v1", b"not-an-id", 1), "cs.AI")
    assert bad.announcements[0].data is None and "no arXiv id" in bad.announcements[0].error
    assert feed_name_for("physics:hep-th") == "hep-th" and feed_name_for("cs") == "cs"


@pytest.fixture
def rss_server(settings):
    settings.DAILYPAPERS_ARXIV_REQUEST_DELAY = 0
    settings.DAILYPAPERS_ARXIV_TIMEOUT = 5
    feeds = {"/rss/cs.AI": ATOM_FEED, "/rss/math.OC": RSS_FEED}

    def handler(path, query):
        if path in feeds:
            return 200, {"Content-Type": "application/rss+xml; charset=utf-8"}, feeds[path]
        return 503, {"Retry-After": "10"}, b"Service unavailable"

    with FixtureServer(handler) as server:
        settings.DAILYPAPERS_ARXIV_RSS_URL = server.url + "/rss"
        yield server


@pytest.mark.django_db(transaction=True)
def test_the_daily_run_reads_each_feed_once_a_day_with_the_headers_arxiv_asks_for(rss_server, settings):
    from dailypapers.ingest.tasks import harvest_arxiv

    settings.DAILYPAPERS_HARVEST_SOURCE = "rss"
    settings.DAILYPAPERS_RSS_FEEDS = ["cs.AI", "cs.CL"]  # cs.CL answers 503: the other feed still goes in
    summaries = harvest_arxiv.call("2025-08-20")
    assert summaries["cs.AI"].startswith("cs.AI 2025-08-20: ") and "86 created" in summaries["cs.AI"]
    assert summaries["cs.CL"] == "failed: the arXiv feed cs.CL answered HTTP 503"
    assert Paper.objects.count() == 86 and IngestRun.objects.get().source == "arxiv-rss"
    state = HarvestState.objects.get(source="arxiv-rss", set_spec="cs.AI")
    assert state.last_datestamp == dt.date(2025, 8, 20) and state.last_error == ""
    assert "503" in HarvestState.objects.get(source="arxiv-rss", set_spec="cs.CL").last_error
    headers = rss_server.headers[0]
    assert headers["User-Agent"] == settings.DAILYPAPERS_ARXIV_USER_AGENT and "rss+xml" in headers["Accept"]

    assert harvest_feed("cs.AI") == "cs.AI 2025-08-20: already imported"  # arXiv rebuilds a feed once a day
    assert IngestRun.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_uses_the_harvest_sets_as_feeds_when_none_are_named(rss_server, settings):
    from dailypapers.ingest.tasks import harvest_arxiv, rss_feeds

    settings.DAILYPAPERS_HARVEST_SOURCE = "rss"
    settings.DAILYPAPERS_RSS_FEEDS = []
    settings.DAILYPAPERS_HARVEST_SETS = ["physics:hep-th", "math.OC"]
    assert rss_feeds() == ["hep-th", "math.OC"]
    summaries = harvest_arxiv.call("2024-02-23")
    assert summaries["math.OC"].startswith("math.OC 2024-02-23: ") and "1 replacements of papers not on this site skipped" in summaries["math.OC"]
    assert rss_server.paths == ["/rss/hep-th", "/rss/math.OC"]  # no OAI-PMH request at all


@pytest.mark.django_db(transaction=True)
def test_the_ingest_command_reads_a_feed_or_a_saved_file(rss_server, tmp_path, capsys):
    call_command("ingest", "arxiv-rss", "cs.AI")
    assert "86 created" in capsys.readouterr().out
    saved = tmp_path / "feed.xml"
    saved.write_bytes(RSS_FEED)
    call_command("ingest", "arxiv-rss", "math.OC", "--file", str(saved))
    with pytest.raises(CommandError, match="not an arXiv feed name"):
        call_command("ingest", "arxiv-rss", "../cs.AI")
    with pytest.raises(CommandError, match="no such file"):
        call_command("ingest", "arxiv-rss", "cs.AI", "--file", str(tmp_path / "missing.xml"))


@pytest.mark.django_db(transaction=True)
def test_a_feed_that_never_answers_stalls_nothing(settings):
    settings.DAILYPAPERS_ARXIV_REQUEST_DELAY = 0
    settings.DAILYPAPERS_ARXIV_TIMEOUT = 0.5
    with socket.socket() as silent:  # accepts connections (the backlog) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        settings.DAILYPAPERS_ARXIV_RSS_URL = f"http://127.0.0.1:{silent.getsockname()[1]}/rss"
        started = time.monotonic()
        with pytest.raises(FeedError, match="could not be fetched"):
            harvest_feed("cs.AI")
        assert time.monotonic() - started < 3
    assert not Paper.objects.exists()
    assert "could not be fetched" in HarvestState.objects.get(source="arxiv-rss").last_error
