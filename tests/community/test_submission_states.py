"""A submission the worker fetches never vanishes (issue 29): "My papers" shows where it stands while
arXiv is busy and after it was given up, and the member is notified when it is placed or given up.
arXiv is a local server answering with real recorded responses (tests/ingest/test_arxiv_fallback.py)."""

import pytest

from dailypapers.community.models import Notification, NotificationKind
from dailypapers.ingest.models import SubmissionFetch
from dailypapers.ingest.services import PendingSubmission, submit_paper
from dailypapers.ingest.tasks import SUBMISSION_ATTEMPTS, fetch_submission
from tests.ingest.fixture_server import XML
from tests.ingest.test_arxiv_fallback import GET_RECORD, arxiv  # noqa: F401 (fixture)

State = SubmissionFetch.State
BUSY = (503, {"Retry-After": "5"}, b"")


def _my_papers(client) -> str:
    return client.get("/me/papers").content.decode()


def test_a_fetch_shows_its_state_in_my_papers_and_its_placing_is_notified(arxiv, member, client):  # noqa: F811
    arxiv.fake.oai = {"1302.2146": BUSY}
    assert isinstance(submit_paper(member, "1302.2146"), PendingSubmission)
    client.force_login(member)
    page = _my_papers(client)
    assert 'data-state="fetching"' in page and "Fetching 1302.2146 from arXiv" in page
    fetch = SubmissionFetch.objects.get()
    fetch_submission.call(member.pk, "1302.2146", str(fetch.date))
    page = _my_papers(client)
    assert 'data-state="retrying"' in page and "arXiv is busy, we retry" in page
    assert not Notification.objects.filter(recipient=member).exists()  # nothing settled yet

    arxiv.fake.oai = {"1302.2146": (200, XML, GET_RECORD)}
    fetch_submission.call(member.pk, "1302.2146", str(fetch.date), 2)
    (note,) = Notification.objects.filter(recipient=member)
    assert note.kind == NotificationKind.SUBMISSION and note.paper_id == "1302.2146"
    assert "1302.2146 is on today's page" in note.text
    page = _my_papers(client)
    assert 'data-testid="submission-fetch"' not in page  # placed: it is a card now
    assert "The Same-Sign Dilepton Signature" in page
    assert "Your submission: 1302.2146 is on today&#x27;s page" in client.get("/notifications").content.decode()
    # The task run again (a worker that died after placing it) tells the member nothing new.
    fetch_submission.call(member.pk, "1302.2146", str(fetch.date), 2)
    assert Notification.objects.filter(recipient=member).count() == 1


def test_a_fetch_given_up_stays_in_my_papers_and_is_notified(arxiv, member, client):  # noqa: F811
    arxiv.fake.oai = {"1302.2146": BUSY}
    submit_paper(member, "1302.2146")
    fetch = SubmissionFetch.objects.get()
    assert fetch_submission.call(member.pk, "1302.2146", str(fetch.date), SUBMISSION_ATTEMPTS).startswith("failed")
    (note,) = Notification.objects.filter(recipient=member, kind=NotificationKind.SUBMISSION)
    assert note.paper is None and "did not answer for 1302.2146" in note.text
    client.force_login(member)
    page = _my_papers(client)
    assert 'data-state="failed"' in page and "submit it again later" in page


def test_a_paper_arxiv_does_not_have_is_notified_as_such(arxiv, member):  # noqa: F811
    arxiv.fake.oai = {"1302.9999": BUSY}
    submit_paper(member, "1302.9999")
    fetch = SubmissionFetch.objects.get()
    arxiv.fake.oai = {}  # GetRecord now answers idDoesNotExist
    assert fetch_submission.call(member.pk, "1302.9999", str(fetch.date), 2).startswith("refused")
    (note,) = Notification.objects.filter(recipient=member, kind=NotificationKind.SUBMISSION)
    assert note.text == "arXiv has no paper 1302.9999."


@pytest.mark.django_db
def test_the_kind_can_be_turned_off(member):
    from dailypapers.community.notifications import preferences_of

    assert NotificationKind.SUBMISSION in preferences_of(member)
