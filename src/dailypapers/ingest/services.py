"""Workflows of the ingest room that members start: submitting a paper to a day's page."""

from __future__ import annotations

import datetime as dt
import logging
import threading

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from dailypapers.ingest.models import SubmissionFetch
from dailypapers.ingest.submissions import (
    PendingSubmission,
    SubmissionError,
    fetch_message,
    place_submission,
    refuse_if_on_a_page,
    submitting_organization,
)
from dailypapers.lib.ratelimit import count_per_minute
from dailypapers.papers.identifiers import (
    PREPRINT_SERVERS,
    NotAnArxivId,
    parse_arxiv_reference,
    parse_preprint_reference,
    preprint_paper_id,
)
from dailypapers.papers.models import DailyEntry, Paper

__all__ = ["PendingSubmission", "SubmissionError", "submit_paper"]  # what the web and API views use
log = logging.getLogger(__name__)


# Request threads fetch from arXiv only through this small per-process pool and with a short
# timeout; everything else goes to the worker, so a hanging arXiv cannot hold the site's threads.
_request_fetch_slots = threading.BoundedSemaphore(max(1, settings.DAILYPAPERS_ARXIV_SUBMIT_SLOTS))
# A request thread waits at most this long for the site-wide arXiv request slot.
MAX_REQUEST_SLOT_WAIT = 1.0


def submit_paper(user, id_or_url: str, day: dt.date | None = None, organization: str = "") -> DailyEntry | PendingSubmission:
    """Put the arXiv paper ``id_or_url`` on ``day``'s page (default today), submitted by ``user``.

    Papers not yet in the database are fetched from the arXiv API first: on this thread when one
    of the few request-thread slots is free and arXiv answers within DAILYPAPERS_ARXIV_SUBMIT_TIMEOUT,
    else by the worker (:func:`dailypapers.ingest.tasks.fetch_submission`), and then the
    :class:`PendingSubmission` is returned. Raises :class:`SubmissionError` for anything the member
    can fix or should know (not an arXiv id, unknown to arXiv, published outside the submission window,
    already on a page, for an ``organization`` (slug) that has not approved ``user`` as a member),
    and :class:`dailypapers.lib.ratelimit.RateLimited` past the member's write rate.
    Nothing is written unless the entry is created (or the worker's task is enqueued).
    """
    preprint = None
    try:
        paper_id, _ = parse_arxiv_reference(id_or_url)
    except NotAnArxivId as exc:
        preprint = parse_preprint_reference(id_or_url)
        if preprint is None:
            raise SubmissionError(f"{exc}. Paste an id like 2406.01234 or a link to its arxiv.org page "
                                  "(or a bioRxiv/medRxiv DOI or link).") from None  # fmt: skip
    today = timezone.localdate()
    day = day or today
    if day > today:
        raise SubmissionError("Papers can only be submitted to today's or an earlier page.")
    submitted_for = submitting_organization(user, organization)
    count_per_minute(user.pk)  # one bucket for all member writes, web and API

    if preprint is not None:
        return _submit_preprint(user, *preprint, day, submitted_for)
    refuse_if_on_a_page(paper_id)
    paper = Paper.objects.filter(pk=paper_id).first()
    record = None
    if paper is None:
        pending = SubmissionFetch.objects.filter(user=user, paper_id=paper_id, state__in=SubmissionFetch.OPEN_STATES).first()
        if pending is not None:  # the worker is on it already: no second fetch
            return PendingSubmission.of(pending)
        record = _fetch_on_request_thread(paper_id)
        if record is None:
            return _hand_to_worker(user, paper_id, day, organization if submitted_for else "")
    return place_submission(user, paper_id, day, paper, record, submitted_for)


def _submit_preprint(user, server: str | None, doi: str, day: dt.date, submitted_for) -> DailyEntry:
    """A bioRxiv/medRxiv submission (``server`` None: a bare DOI, either server): placed from the
    site's copy, else fetched from the details API on this thread, within the submit timeout. Not
    handed to the worker: when the API does not answer, the member is asked to try again."""
    from dailypapers.ingest.sources.biorxiv import SERVERS, BiorxivError, fetch_doi

    servers = [server] if server else list(SERVERS)
    ids = {s: preprint_paper_id(s, doi) for s in servers}
    paper = Paper.objects.filter(pk__in=ids.values()).first()
    if paper is not None:
        refuse_if_on_a_page(paper.pk)
        return place_submission(user, paper.pk, day, paper, None, submitted_for)
    for name in servers:
        refuse_if_on_a_page(ids[name])
        try:
            record = fetch_doi(doi, name, timeout=settings.DAILYPAPERS_ARXIV_SUBMIT_TIMEOUT)
        except BiorxivError as exc:
            log.info("submission of %s on %s: %s", doi, name, exc)
            raise SubmissionError(f"{PREPRINT_SERVERS[name]} did not answer for {doi}; try again in a moment.") from None
        if record is not None:
            return place_submission(user, ids[name], day, None, record, submitted_for, source=name)
    raise SubmissionError(f"{' and '.join(PREPRINT_SERVERS[s] for s in servers)} have no paper {doi}."
                          if len(servers) > 1 else f"{PREPRINT_SERVERS[servers[0]]} has no paper {doi}.")  # fmt: skip


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


def _hand_to_worker(user, paper_id: str, day: dt.date, organization: str = "") -> PendingSubmission:
    """Open the member's :class:`SubmissionFetch` (one per member and paper) and enqueue its task, in
    one transaction; a fetch already open is returned as it is, with no second task."""
    from dailypapers.ingest.tasks import fetch_submission

    state = SubmissionFetch.State.FETCHING
    opened = {"date": day, "organization_slug": organization, "state": state, "attempts": 0,
              "next_attempt_at": None, "entry": None, "message": fetch_message(state, paper_id, day)}  # fmt: skip
    try:
        with transaction.atomic():
            fetch, created = SubmissionFetch.objects.select_for_update().get_or_create(user=user, paper_id=paper_id, defaults=opened)
            if not created:
                if fetch.is_open:
                    return PendingSubmission.of(fetch)
                for name, value in opened.items():  # a closed one (not found, given up): open it again
                    setattr(fetch, name, value)
                fetch.save()
            on_behalf = {"organization": organization} if organization else {}
            fetch_submission.enqueue(user.pk, paper_id, day.isoformat(), **on_behalf)  # who, what and which day
    except IntegrityError:  # the same member's other request opened it a moment earlier
        return PendingSubmission.of(SubmissionFetch.objects.get(user=user, paper_id=paper_id))
    return PendingSubmission.of(fetch)


