"""Single papers without the query API: a lookup or submission falls back to OAI-PMH GetRecord when
the API answers 429/406/5xx or does not answer, and the member sees one clear state.

The API's 429 is replayed as arXiv sends it in 2026 (``429`` with the body ``Rate exceeded.``, as
reported in github.com/ronpay/arxiv-rss-feed-generator issue 5 and lukasschwab/arxiv.py issue 203);
the GetRecord answer is a real recorded one (fixtures/real/README.md).
"""

import datetime as dt
import socket
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from dailypapers.ingest.models import SubmissionFetch
from dailypapers.ingest.services import PendingSubmission, SubmissionError, submit_paper
from dailypapers.ingest.sources.arxiv_api import fetch_paper
from dailypapers.papers.models import DailyEntry, Paper
from tests.ingest.fixture_server import XML, FixtureServer

pytestmark = pytest.mark.django_db(transaction=True)

REAL = Path(__file__).parent / "fixtures" / "real"
GET_RECORD = (REAL / "export_arxiv_oai2_getrecord_arxivraw_1302.2146.xml").read_bytes()
RATE_EXCEEDED = (429, {"Content-Type": "text/plain"}, b"Rate exceeded.")
ID_DOES_NOT_EXIST = b"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-12-07T10:00:00Z</responseDate>
<request verb="GetRecord">http://export.arxiv.org/oai2</request>
<error code="idDoesNotExist">The value of the identifier argument is unknown or illegal in this repository.</error></OAI-PMH>"""
State = SubmissionFetch.State


class FakeArxiv:
    """The query API (``/api/query``) and OAI-PMH (``/oai``), each answering as told."""

    def __init__(self):
        self.api = RATE_EXCEEDED
        self.oai = {"1302.2146": (200, XML, GET_RECORD)}
        self.api_delay = 0.0

    def __call__(self, path, query):
        if path == "/api/query":
            time.sleep(self.api_delay)
            return self.api
        paper_id = query.get("identifier", "").removeprefix("oai:arXiv.org:")
        return self.oai.get(paper_id, (200, XML, ID_DOES_NOT_EXIST))


@pytest.fixture
def arxiv(settings):
    settings.DAILYPAPERS_ARXIV_REQUEST_DELAY = 0
    settings.DAILYPAPERS_ARXIV_TIMEOUT = 5
    settings.DAILYPAPERS_SUBMISSION_WINDOW_DAYS = 100 * 365  # the real record is from 2013
    fake = FakeArxiv()
    with FixtureServer(fake) as server:
        settings.DAILYPAPERS_ARXIV_API_URL = server.url + "/api/query"
        settings.DAILYPAPERS_ARXIV_OAI_URL = server.url + "/oai"
        server.fake = fake
        yield server


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def queued():
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path="dailypapers.ingest.tasks.fetch_submission")


@pytest.mark.parametrize("answer", [RATE_EXCEEDED, (406, {}, b"Not Acceptable"), (503, {"Retry-After": "5"}, b"")])
def test_a_lookup_the_api_cannot_serve_comes_from_oai_getrecord(arxiv, answer, settings):
    arxiv.fake.api = answer
    call_command("ingest", "arxiv-id", "1302.2146")
    paper = Paper.objects.get(pk="1302.2146")
    assert paper.version == 2 and paper.title == "The Same-Sign Dilepton Signature of RPV/MFV SUSY"
    assert paper.published_at == dt.datetime(2013, 2, 8, 21, 0, 1, tzinfo=dt.UTC)  # arXivRaw's v1 date
    assert [a.name for a in paper.ordered_authors()] == ["Joshua Berger", "Maxim Perelstein", "Michael Saelim", "Philip Tanedo"]
    assert arxiv.paths == ["/api/query", "/oai"]  # one API request (no retry of it), then GetRecord
    assert arxiv.requests[1] == {"verb": "GetRecord", "identifier": "oai:arXiv.org:1302.2146", "metadataPrefix": "arXivRaw"}
    for headers in arxiv.headers:  # what arXiv asks of every client: a User-Agent with a contact, and Accept
        assert headers["User-Agent"] == settings.DAILYPAPERS_ARXIV_USER_AGENT and "xml" in headers["Accept"]
        assert "arxiv.py" not in headers["User-Agent"]


def test_an_api_that_does_not_answer_in_time_falls_back_too(arxiv, settings):
    settings.DAILYPAPERS_ARXIV_TIMEOUT = 0.5
    arxiv.fake.api_delay = 2
    assert fetch_paper("1302.2146")["version"] == 2


def test_an_id_oai_does_not_know_is_not_found_and_an_api_error_that_is_ours_is_not_retried_elsewhere(arxiv, capsys):
    call_command("ingest", "arxiv-id", "1302.9999")
    assert "unknown id: arXiv has no paper 1302.9999" in capsys.readouterr().out
    arxiv.fake.api = (400, {}, b"Bad Request")  # not "busy": no fallback
    with pytest.raises(Exception, match="could not be reached"):
        fetch_paper("1302.2146")
    assert arxiv.paths[-1] == "/api/query"


def test_a_submission_the_api_refuses_is_placed_from_getrecord_at_once(arxiv, member):
    entry = submit_paper(member, "arXiv:1302.2146v1")
    assert isinstance(entry, DailyEntry) and entry.paper.version == 2 and entry.submitted_by == member
    assert not SubmissionFetch.objects.exists() and not queued().exists()


def test_while_arxiv_is_busy_the_member_sees_one_state_and_a_retry_is_never_a_duplicate(arxiv, member):
    from dailypapers.ingest.tasks import fetch_submission

    arxiv.fake.oai = {"1302.2146": (503, {"Retry-After": "5"}, b"")}  # both answers busy
    pending = submit_paper(member, "1302.2146")
    assert isinstance(pending, PendingSubmission) and pending.state == State.FETCHING
    fetch = SubmissionFetch.objects.get()
    assert fetch.state == State.FETCHING and fetch.message.startswith("Fetching 1302.2146 from arXiv")
    (task,) = queued()

    assert fetch_submission.call(member.pk, "1302.2146", str(fetch.date)).startswith("retrying")  # the worker's try
    fetch.refresh_from_db()
    assert fetch.state == State.RETRYING and fetch.attempts == 1 and fetch.next_attempt_at > timezone.now()
    assert fetch.message == "arXiv is busy, we retry: 1302.2146 will appear on today's page once arXiv answers."
    again = submit_paper(member, "https://arxiv.org/abs/1302.2146")  # the member tries again meanwhile
    assert again.state == State.RETRYING and "arXiv is busy, we retry" in again.message
    assert queued().count() == 2 and SubmissionFetch.objects.count() == 1  # the retry the worker scheduled, no other

    arxiv.fake.oai = {"1302.2146": (200, XML, GET_RECORD)}  # arXiv answers again
    assert fetch_submission.call(member.pk, "1302.2146", str(fetch.date), 2).startswith("placed")
    fetch.refresh_from_db()
    assert fetch.state == State.PLACED and fetch.entry == DailyEntry.objects.get() and fetch.message == "1302.2146 is on today's page."
    # The same task run once more (a worker that died after placing it): the same entry, no error.
    assert fetch_submission.call(member.pk, "1302.2146", str(fetch.date), 2).startswith("placed")
    assert DailyEntry.objects.count() == 1 and Paper.objects.count() == 1
    with pytest.raises(SubmissionError, match="already on the page"):
        submit_paper(member, "1302.2146")


def test_what_arxiv_does_not_have_ends_as_not_found_and_may_be_submitted_again(arxiv, member, settings, monkeypatch):
    from dailypapers.ingest import services

    monkeypatch.setattr(services, "MAX_REQUEST_SLOT_WAIT", 0.05)
    settings.DAILYPAPERS_ARXIV_REQUEST_DELAY = 0.5  # the GetRecord slot is too far for the request thread
    pending = submit_paper(member, "1302.9999")
    assert pending.state == State.FETCHING and SubmissionFetch.objects.get().state == State.FETCHING
    run_worker()
    fetch = SubmissionFetch.objects.get()
    assert fetch.state == State.NOT_FOUND and fetch.message == "arXiv has no paper 1302.9999."
    assert queued().get().status == "SUCCESSFUL" and not DailyEntry.objects.exists()
    assert submit_paper(member, "1302.9999").state == State.FETCHING  # opened again, with a new task
    assert SubmissionFetch.objects.get().state == State.FETCHING and queued().count() == 2


def test_the_api_answers_the_new_state(arxiv, member, client):
    from dailypapers.accounts.models import ApiToken

    arxiv.fake.oai = {}
    arxiv.fake.api = (503, {}, b"")
    token = ApiToken.issue(member, "tests")[1]
    SubmissionFetch.objects.create(user=member, paper_id="1302.2146", date=timezone.localdate(), state=State.RETRYING)
    answer = client.post("/api/v1/submissions", {"paper": "1302.2146"}, content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {token}")  # fmt: skip
    assert answer.status_code == 202 and answer.json()["status"] == "retrying"
    assert "arXiv is busy, we retry" in answer.json()["detail"] and not queued().exists()


def test_an_arxiv_that_never_answers_stalls_no_submission(member, settings):
    settings.DAILYPAPERS_ARXIV_REQUEST_DELAY = 0
    settings.DAILYPAPERS_ARXIV_SUBMIT_TIMEOUT = 0.5
    with socket.socket() as silent:  # accepts connections (the backlog) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        settings.DAILYPAPERS_ARXIV_API_URL, settings.DAILYPAPERS_ARXIV_OAI_URL = url + "/api/query", url + "/oai"
        started = time.monotonic()
        pending = submit_paper(member, "2611.01234")
        assert time.monotonic() - started < 3  # API timeout, GetRecord timeout, handed to the worker
    assert isinstance(pending, PendingSubmission) and SubmissionFetch.objects.get().state == State.FETCHING
