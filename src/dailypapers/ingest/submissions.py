"""Placing a submitted paper on a day's page: the rules the request thread and the worker share.

:mod:`~dailypapers.ingest.services` takes a member's submission (fetching on the request thread when
arXiv answers quickly); :func:`~dailypapers.ingest.tasks.fetch_submission` finishes the ones it hands
to the worker. Both end in :func:`place_submission`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from dailypapers.ingest.models import SubmissionFetch
from dailypapers.ingest.pipeline import IngestPipeline, RecordRejected, SourceItem, normalize_record
from dailypapers.papers.models import DailyEntry, Organization, Paper
from dailypapers.papers.organizations import can_submit_for

SUBMISSION_SOURCE = "arxiv-api"


class SubmissionError(Exception):
    """A submission that cannot be accepted; the message is shown to the member as it is."""


class AlreadyOnPage(SubmissionError):
    """The paper is on a day's page already: pages link the member there (``entry``)."""

    def __init__(self, message: str, entry: DailyEntry | None):
        super().__init__(message)
        self.entry = entry


@dataclass(frozen=True)
class PendingSubmission:
    """A submission handed to the worker (arXiv slow, busy or unreachable): the paper appears when fetched.

    ``state`` is its :class:`~dailypapers.ingest.models.SubmissionFetch` state: ``fetching``, or
    ``retrying`` once arXiv has been too busy to answer the worker."""

    paper_id: str
    date: dt.date
    state: str = SubmissionFetch.State.FETCHING

    @property
    def message(self) -> str:
        return fetch_message(self.state, self.paper_id, self.date)

    @classmethod
    def of(cls, fetch: SubmissionFetch) -> PendingSubmission:
        return cls(paper_id=fetch.paper_id, date=fetch.date, state=fetch.state)


def _page(day: dt.date) -> str:
    return "today's page" if day == timezone.localdate() else f"the page of {day:%B %-d, %Y}"


def fetch_message(state: str, paper_id: str, day: dt.date, detail: str = "") -> str:
    """What a member is told about a submission the worker fetches, in each state (one sentence)."""
    State = SubmissionFetch.State
    if state == State.FETCHING:
        return f"Fetching {paper_id} from arXiv… it will appear on {_page(day)} in a moment."
    if state == State.RETRYING:
        return f"arXiv is busy, we retry: {paper_id} will appear on {_page(day)} once arXiv answers."
    if state == State.NOT_FOUND:
        return f"arXiv has no paper {paper_id}."
    if state == State.PLACED:
        return f"{paper_id} is on {_page(day)}."
    if state == State.FAILED:
        return f"arXiv did not answer for {paper_id} after several tries; submit it again later."
    return detail or f"{paper_id} was not accepted."


def submitting_organization(user, slug: str) -> Organization | None:
    """The organization a submission is made for (``slug``; "" for none): only one ``user`` is an
    approved member of, checked again when the worker places a handed-over submission."""
    if not slug:
        return None
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None or not can_submit_for(user, organization):
        raise SubmissionError("You can submit papers only for organizations that approved you as a member.")
    return organization


def complete_submission(user_id: int, paper_id: str, day: dt.date, organization_slug: str = "") -> DailyEntry:
    """The worker's half of a handed-over submission: fetch (normal timeout, waiting for the site's
    arXiv slot) and place it. Raises PaperNotFound, SubmissionError (both logged by the task) or
    ArxivUnavailable (retried)."""
    from dailypapers.ingest.sources.arxiv_api import fetch_paper

    user = get_user_model().objects.get(pk=user_id)
    organization = submitting_organization(user, organization_slug)
    mine = DailyEntry.objects.filter(paper_id=paper_id, submitted_by=user).first()
    if mine is not None:  # this fetch ran before (a task run twice): the entry is there, not a second one
        return mine
    refuse_if_on_a_page(paper_id)
    paper = Paper.objects.filter(pk=paper_id).first()
    record = None
    if paper is None:
        record = fetch_paper(paper_id)  # PaperNotFound (a SubmissionError too for callers) or ArxivUnavailable
    return place_submission(user, paper_id, day, paper, record, organization)


def refuse_if_on_a_page(paper_id: str) -> None:
    existing = DailyEntry.objects.filter(paper_id=paper_id).select_related("paper").first()
    if existing:
        raise AlreadyOnPage(f"{paper_id} is already on the page of {existing.date:%B %-d, %Y}.", existing)


def place_submission(user, paper_id: str, day: dt.date, paper: Paper | None, record: dict | None,
                     organization: Organization | None = None, source: str = SUBMISSION_SOURCE) -> DailyEntry:
    """The entry of ``paper_id`` on ``day``: ``paper`` when the site has it, else ``record`` (arXiv's,
    imported in the same transaction). Checks the submission window. ``organization`` (checked by
    ``submitting_organization``) is the one it is submitted for, else the paper's own."""
    if paper is None:
        try:
            published = normalize_record(record).published_at
        except RecordRejected as exc:
            raise SubmissionError(f"the record of {paper_id} could not be read: {exc}") from exc
    else:
        published = paper.published_at
    window = settings.DAILYPAPERS_SUBMISSION_WINDOW_DAYS
    if published is None or published.date() < day - dt.timedelta(days=window):
        when = f"was published on {published:%B %-d, %Y}" if published else "has no publication date"
        raise SubmissionError(f"{paper_id} {when}; only papers from the last {window} days can be submitted.")

    try:
        with transaction.atomic():
            if paper is None:
                report = IngestPipeline(source, detail=f"submitted by {user}").run(
                    [SourceItem(location=f"submission {paper_id}", data=record)]
                )
                if report.rejected:
                    raise SubmissionError(f"the record of {paper_id} could not be imported: {report.rejections[0][1]}")
                paper = Paper.objects.get(pk=paper_id)
            return DailyEntry.objects.create(
                paper=paper,
                date=day,
                submitted_by=user,
                submitted_at=timezone.now(),
                organization=organization or paper.organization,
            )
    except IntegrityError:  # someone submitted it a moment earlier
        raise AlreadyOnPage(f"{paper_id} is already on a page.", DailyEntry.objects.filter(paper_id=paper_id).first()) from None
