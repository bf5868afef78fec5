"""Workflows of the ingest room that members start: submitting a paper to a day's page."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from dailypapers.ingest.pipeline import IngestPipeline, RecordRejected, SourceItem, normalize_record
from dailypapers.papers.identifiers import NotAnArxivId, parse_arxiv_reference
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.ratelimit import check_write_rate

SUBMISSION_SOURCE = "arxiv-api"


class SubmissionError(Exception):
    """A submission that cannot be accepted; the message is shown to the member as it is."""


def submit_paper(user, id_or_url: str, day: dt.date | None = None) -> DailyEntry:
    """Put the arXiv paper ``id_or_url`` on ``day``'s page (default today), submitted by ``user``.

    Papers not yet in the database are fetched from the arXiv API first. Raises
    :class:`SubmissionError` for anything the member can fix or should know (not an arXiv id,
    unknown to arXiv, arXiv unreachable, published outside the submission window, already on a
    page), and :class:`dailypapers.ratelimit.RateLimited` past the member's write rate. Nothing is
    written unless the entry is created.
    """
    from dailypapers.ingest.sources.arxiv_api import ArxivLookupError, fetch_paper

    try:
        paper_id, _ = parse_arxiv_reference(id_or_url)
    except NotAnArxivId as exc:
        raise SubmissionError(f"{exc}. Paste an id like 2406.01234 or a link to its arxiv.org page.") from None
    today = timezone.localdate()
    day = day or today
    if day > today:
        raise SubmissionError("Papers can only be submitted to today's or an earlier page.")
    check_write_rate(user.pk)  # one bucket for all member writes, web and API

    existing = DailyEntry.objects.filter(paper_id=paper_id).first()
    if existing:
        raise SubmissionError(f"{paper_id} is already on the page of {existing.date:%B %-d, %Y}.")
    paper = Paper.objects.filter(pk=paper_id).first()
    record = None
    if paper is None:
        try:
            record = fetch_paper(paper_id)
        except ArxivLookupError as exc:
            raise SubmissionError(str(exc)) from exc
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
            if record is not None:
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
