"""Workflows of the ingest room that members start: submitting a paper to a day's page."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from dailypapers.ingest.pipeline import IngestPipeline, RecordRejected, SourceItem, normalize_record
from dailypapers.papers.identifiers import NotAnArxivId, parse_arxiv_reference
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.ratelimit import check_write_rate

SUBMISSION_SOURCE = "arxiv-api"
log = logging.getLogger(__name__)


class SubmissionError(Exception):
    """A submission that cannot be accepted; the message is shown to the member as it is."""


@dataclass(frozen=True)
class PendingSubmission:
    """A submission handed to the worker (arXiv slow, busy or unreachable): the paper appears when fetched."""

    paper_id: str
    date: dt.date

    @property
    def message(self) -> str:
        page = "today's page" if self.date == timezone.localdate() else f"the page of {self.date:%B %-d, %Y}"
        return f"Fetching {self.paper_id} from arXiv… it will appear on {page} in a moment."


# Request threads fetch from arXiv only through this small per-process pool and with a short
# timeout; everything else goes to the worker, so a hanging arXiv cannot hold the site's threads.
_request_fetch_slots = threading.BoundedSemaphore(max(1, settings.DAILYPAPERS_ARXIV_SUBMIT_SLOTS))
# A request thread waits at most this long for the site-wide arXiv request slot.
MAX_REQUEST_SLOT_WAIT = 1.0


def submit_paper(user, id_or_url: str, day: dt.date | None = None) -> DailyEntry | PendingSubmission:
    """Put the arXiv paper ``id_or_url`` on ``day``'s page (default today), submitted by ``user``.

    Papers not yet in the database are fetched from the arXiv API first: on this thread when one
    of the few request-thread slots is free and arXiv answers within DAILYPAPERS_ARXIV_SUBMIT_TIMEOUT,
    else by the worker (:func:`dailypapers.ingest.tasks.fetch_submission`), and then the
    :class:`PendingSubmission` is returned. Raises :class:`SubmissionError` for anything the member
    can fix or should know (not an arXiv id, unknown to arXiv, published outside the submission window,
    already on a page), and :class:`dailypapers.ratelimit.RateLimited` past the member's write rate.
    Nothing is written unless the entry is created (or the worker's task is enqueued).
    """
    try:
        paper_id, _ = parse_arxiv_reference(id_or_url)
    except NotAnArxivId as exc:
        raise SubmissionError(f"{exc}. Paste an id like 2406.01234 or a link to its arxiv.org page.") from None
    today = timezone.localdate()
    day = day or today
    if day > today:
        raise SubmissionError("Papers can only be submitted to today's or an earlier page.")
    check_write_rate(user.pk)  # one bucket for all member writes, web and API

    _refuse_if_on_a_page(paper_id)
    paper = Paper.objects.filter(pk=paper_id).first()
    record = None
    if paper is None:
        record = _fetch_on_request_thread(paper_id)
        if record is None:
            return _hand_to_worker(user, paper_id, day)
    return place_submission(user, paper_id, day, paper, record)


def complete_submission(user_id: int, paper_id: str, day: dt.date) -> DailyEntry:
    """The worker's half of a handed-over submission: fetch (normal timeout, waiting for the site's
    arXiv slot) and place it. Raises SubmissionError (logged by the task) or ArxivUnavailable (retried)."""
    from dailypapers.ingest.sources.arxiv_api import PaperNotFound, fetch_paper

    user = get_user_model().objects.get(pk=user_id)
    _refuse_if_on_a_page(paper_id)
    paper = Paper.objects.filter(pk=paper_id).first()
    record = None
    if paper is None:
        try:
            record = fetch_paper(paper_id)
        except PaperNotFound as exc:
            raise SubmissionError(str(exc)) from exc
    return place_submission(user, paper_id, day, paper, record)


def _refuse_if_on_a_page(paper_id: str) -> None:
    existing = DailyEntry.objects.filter(paper_id=paper_id).first()
    if existing:
        raise SubmissionError(f"{paper_id} is already on the page of {existing.date:%B %-d, %Y}.")


def _fetch_on_request_thread(paper_id: str) -> dict | None:
    """arXiv's record of ``paper_id``, or None when it could not be had quickly (no free slot of the
    pool, the site's arXiv slot too far away, a timeout, arXiv unreachable): then the worker fetches it."""
    from dailypapers.ingest.sources.arxiv_api import ArxivUnavailable, PaperNotFound, fetch_paper

    if not _request_fetch_slots.acquire(blocking=False):
        return None
    try:
        return fetch_paper(paper_id, timeout=settings.DAILYPAPERS_ARXIV_SUBMIT_TIMEOUT, max_slot_wait=MAX_REQUEST_SLOT_WAIT)
    except PaperNotFound as exc:
        raise SubmissionError(str(exc)) from exc
    except ArxivUnavailable as exc:
        log.info("submission of %s handed to the worker: %s", paper_id, exc)
        return None
    finally:
        _request_fetch_slots.release()


def _hand_to_worker(user, paper_id: str, day: dt.date) -> PendingSubmission:
    from dailypapers.ingest.tasks import fetch_submission

    fetch_submission.enqueue(user.pk, paper_id, day.isoformat())  # the task carries who, what and which day
    return PendingSubmission(paper_id=paper_id, date=day)


def place_submission(user, paper_id: str, day: dt.date, paper: Paper | None, record: dict | None) -> DailyEntry:
    """The entry of ``paper_id`` on ``day``: ``paper`` when the site has it, else ``record`` (arXiv's,
    imported in the same transaction). Checks the submission window."""
    if paper is None:
        try:
            published = normalize_record(record).published_at
        except RecordRejected as exc:
            raise SubmissionError(f"arXiv's record of {paper_id} could not be read: {exc}") from exc
    else:
        published = paper.published_at
    window = settings.DAILYPAPERS_SUBMISSION_WINDOW_DAYS
    if published is None or published.date() < day - dt.timedelta(days=window):
        when = f"was published on {published:%B %-d, %Y}" if published else "has no publication date"
        raise SubmissionError(f"{paper_id} {when}; only papers from the last {window} days can be submitted.")

    try:
        with transaction.atomic():
            if paper is None:
                report = IngestPipeline(SUBMISSION_SOURCE, detail=f"submitted by {user}").run(
                    [SourceItem(location=f"submission {paper_id}", data=record)]
                )
                if report.rejected:
                    raise SubmissionError(f"arXiv's record of {paper_id} could not be imported: {report.rejections[0][1]}")
                paper = Paper.objects.get(pk=paper_id)
            return DailyEntry.objects.create(
                paper=paper,
                date=day,
                submitted_by=user,
                submitted_at=timezone.now(),
                organization=paper.organization,
            )
    except IntegrityError:  # someone submitted it a moment earlier
        raise SubmissionError(f"{paper_id} is already on a page.") from None
