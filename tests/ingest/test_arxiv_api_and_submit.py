"""Single-paper lookups (real `arxiv` client, loopback Atom server) and member submissions."""

import datetime as dt
import socket

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from dailypapers.ingest.services import PendingSubmission, SubmissionError, submit_paper
from dailypapers.lib.ratelimit import RateLimited
from dailypapers.papers.models import DailyEntry, Paper
from tests.ingest.fixture_server import ATOM, FixtureServer, atom_entry, atom_feed

pytestmark = pytest.mark.django_db(transaction=True)


def recent(days_ago: int = 2) -> str:
    return (timezone.now() - dt.timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeArxivApi:
    def __init__(self, papers: dict[str, str]):
        self.papers = papers  # id -> atom entry

    def __call__(self, path, query):
        ids = query.get("id_list", "").split(",")
        return 200, ATOM, atom_feed([self.papers[i] for i in ids if i in self.papers])


@pytest.fixture
def arxiv_api(settings):
    settings.DAILYPAPERS_ARXIV_REQUEST_DELAY = 0
    settings.DAILYPAPERS_ARXIV_TIMEOUT = 5
    api = FakeArxivApi(
        {
            "2611.01234": atom_entry("2611.01234", "A fresh paper", version=3, published=recent()),
            "hep-th/9901001": atom_entry("hep-th/9901001", "Old and famous", published="1999-01-04T10:00:00Z", primary="hep-th"),
        }
    )
    with FixtureServer(api) as server:
        settings.DAILYPAPERS_ARXIV_API_URL = server.url + "/api/query"
        yield server


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/api/query"


def test_ingest_arxiv_id_command(arxiv_api, capsys):
    call_command("ingest", "arxiv-id", "https://arxiv.org/abs/2611.01234v2", "hep-th/9901001", "2611.09999")
    out = capsys.readouterr().out
    assert "2 created" in out and "1 rejected" in out and "unknown id" in out
    paper = Paper.objects.get(pk="2611.01234")
    # "\n " (newline plus indentation) is where arXiv marks a paragraph: reflow keeps it, as a blank line
    assert paper.version == 3 and paper.title == "A fresh paper" and paper.abstract == "An abstract\n\nover two lines."
    assert [a.name for a in paper.ordered_authors()] == ["Ada Lovelace", "Alan Turing"]
    assert paper.categories == ["cs.CL", "cs.AI"] and paper.primary_category == "cs.CL"
    assert Paper.objects.get(pk="hep-th/9901001").primary_category == "hep-th"
    assert arxiv_api.requests[0]["id_list"] == "2611.01234,hep-th/9901001,2611.09999"


def test_ingest_arxiv_id_offline_or_bad_id_writes_nothing(settings):
    settings.DAILYPAPERS_ARXIV_API_URL = closed_port_url()
    settings.DAILYPAPERS_ARXIV_REQUEST_DELAY = 0
    with pytest.raises(CommandError, match="could not be reached"):
        call_command("ingest", "arxiv-id", "2611.01234")
    with pytest.raises(CommandError, match="not an arXiv id"):
        call_command("ingest", "arxiv-id", "not-an-id!")
    assert not Paper.objects.exists()


@pytest.mark.parametrize(
    "reference",
    ["2611.01234", "arXiv:2611.01234v1", "https://arxiv.org/pdf/2611.01234v2.pdf", "arxiv.org/abs/2611.01234?context=cs"],
)
def test_submit_fetches_and_places_on_today(arxiv_api, member, reference):
    entry = submit_paper(member, reference)
    assert entry.paper_id == "2611.01234" and entry.date == timezone.localdate() and entry.submitted_by == member
    assert Paper.objects.get(pk="2611.01234").version == 3


def test_submit_errors(arxiv_api, member, settings):
    with pytest.raises(SubmissionError, match="not an arXiv id"):
        submit_paper(member, "https://example.org/paper")
    with pytest.raises(SubmissionError, match="arXiv has no paper 2611.09999"):
        submit_paper(member, "2611.09999")
    with pytest.raises(SubmissionError, match="only papers from the last 14 days"):
        submit_paper(member, "hep-th/9901001")
    assert not Paper.objects.exists()  # nothing half-written by refused submissions
    submit_paper(member, "2611.01234")
    with pytest.raises(SubmissionError, match="already on the page of"):
        submit_paper(member, "2611.01234v3")
    with pytest.raises(SubmissionError, match="today's or an earlier page"):
        submit_paper(member, "2611.01234", day=timezone.localdate() + dt.timedelta(days=1))
    settings.DAILYPAPERS_ARXIV_API_URL = closed_port_url()
    pending = submit_paper(member, "2611.05555")  # arXiv unreachable: the worker fetches it later
    assert isinstance(pending, PendingSubmission) and pending.paper_id == "2611.05555"
    assert "could not be reached" not in pending.message and "Fetching 2611.05555 from arXiv" in pending.message
    assert DailyEntry.objects.count() == 1


def test_submit_is_rate_limited(arxiv_api, member, settings):
    settings.DAILYPAPERS_WRITE_RATE_PER_MINUTE = 2
    for _ in range(2):
        with pytest.raises(SubmissionError):
            submit_paper(member, "2611.09999")
    with pytest.raises(RateLimited):
        submit_paper(member, "2611.01234")


def test_submit_view_with_csrf(arxiv_api, member):
    client = Client(enforce_csrf_checks=True)
    # Anonymous readers see a login link on today's page, and the form URL asks them to log in.
    page = client.get("/").content.decode()
    assert "to submit a paper" in page and "/accounts/login/" in page
    assert client.get("/papers/submit").status_code == 302

    client.force_login(member)
    page = client.get("/")
    assert 'action="/papers/submit"' in page.content.decode()
    token = page.cookies["csrftoken"].value
    assert client.post("/papers/submit", {"paper": "2611.01234"}).status_code == 403  # no CSRF token
    bad = client.post("/papers/submit", {"paper": "<script>x</script>", "csrfmiddlewaretoken": token})
    assert bad.status_code == 400 and "not an arXiv id" in bad.content.decode()
    assert "<script>x</script>" not in bad.content.decode()  # escaped
    ok = client.post("/papers/submit", {"paper": "2611.01234", "csrfmiddlewaretoken": token})
    assert ok.status_code == 302 and ok["Location"] == "/papers/2611.01234"
    assert DailyEntry.objects.get().submitted_by == member
    assert "A fresh paper" in client.get("/").content.decode()


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def queued_submissions():
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path="dailypapers.ingest.tasks.fetch_submission")


def test_a_submission_arxiv_cannot_answer_now_is_placed_by_the_worker(arxiv_api, member, settings):
    api_url = settings.DAILYPAPERS_ARXIV_API_URL
    settings.DAILYPAPERS_ARXIV_API_URL = closed_port_url()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    pending = submit_paper(member, "arXiv:2611.01234v2", day=yesterday)
    assert isinstance(pending, PendingSubmission) and not DailyEntry.objects.exists()
    (queued,) = queued_submissions()
    assert queued.args_kwargs["args"] == [member.pk, "2611.01234", yesterday.isoformat()]  # who, what, which day

    settings.DAILYPAPERS_ARXIV_API_URL = api_url  # arXiv is back by the time the worker runs
    run_worker()
    entry = DailyEntry.objects.get(paper_id="2611.01234")
    assert entry.submitted_by == member and entry.date == yesterday and entry.paper.version == 3
    assert queued_submissions().get().status == "SUCCESSFUL"


def test_the_worker_refuses_what_arxiv_does_not_know_and_retries_while_arxiv_is_down(arxiv_api, member, settings):
    from dailypapers.ingest.tasks import fetch_submission

    day = timezone.localdate().isoformat()
    assert fetch_submission.call(member.pk, "2611.09999", day).startswith("refused: arXiv has no paper")
    settings.DAILYPAPERS_ARXIV_API_URL = closed_port_url()
    assert fetch_submission.call(member.pk, "2611.01234", day).startswith("retrying")
    retry = queued_submissions().get()
    assert retry.args_kwargs["args"] == [member.pk, "2611.01234", day, 2] and retry.run_after > timezone.now()
    assert fetch_submission.call(member.pk, "2611.01234", day, 4).startswith("failed")
    assert not DailyEntry.objects.exists()


def test_web_and_api_submissions_answer_202_while_arxiv_is_unreachable(member, settings, client):
    from dailypapers.accounts.models import ApiToken

    settings.DAILYPAPERS_ARXIV_API_URL = closed_port_url()
    settings.DAILYPAPERS_ARXIV_REQUEST_DELAY = 0
    client.force_login(member)
    page = client.post("/papers/submit", {"paper": "2611.01234"})
    assert page.status_code == 202
    assert "Fetching 2611.01234 from arXiv… it will appear on today&#x27;s page in a moment." in page.content.decode()
    token = ApiToken.issue(member, "tests")[1]
    api = client.post("/api/v1/submissions", {"paper": "2611.04321"}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 202
    assert api.json() == {
        "id": "2611.04321", "status": "fetching", "date": str(timezone.localdate()),
        "detail": "Fetching 2611.04321 from arXiv… it will appear on today's page in a moment.",
    }
    assert queued_submissions().count() == 2 and not DailyEntry.objects.exists()
