"""Background tasks of the ingest room, run by ``dailypapers worker``."""

from __future__ import annotations

import logging

from django.conf import settings
from django_tasks import task

log = logging.getLogger(__name__)


@task()
def harvest_arxiv(period_key: str) -> dict:
    """The daily harvest: every configured set, from where its last harvest stopped.

    ``period_key`` (the day the run fell due) only names the run; each set's checkpoint decides
    what is fetched, so a late or repeated run neither skips nor re-fetches anything. A set never
    harvested before starts at the previous day.
    """
    import datetime as dt

    from dailypapers.ingest.pipeline import IngestPipeline
    from dailypapers.ingest.sources.arxiv_oai import SOURCE, HarvestError, OaiHarvest

    if settings.DAILYPAPERS_HARVEST_SOURCE == "rss":
        return harvest_feeds(period_key)
    summaries = {}
    for set_spec in settings.DAILYPAPERS_HARVEST_SETS:
        try:
            try:
                harvest = OaiHarvest(set_spec, metadata_prefix=settings.DAILYPAPERS_HARVEST_FORMAT)
            except HarvestError:  # first harvest of this set: start with the day before
                start = dt.date.fromisoformat(period_key) - dt.timedelta(days=1)
                harvest = OaiHarvest(set_spec, from_date=start, metadata_prefix=settings.DAILYPAPERS_HARVEST_FORMAT)
            report = IngestPipeline(SOURCE, detail=harvest.detail).run(harvest.items())
            summaries[set_spec] = report.summary()
            log.info("harvest %s (%s): %s", set_spec, period_key, report.summary())
        except HarvestError as exc:  # one set failing must not stop the others; its checkpoint is kept
            summaries[set_spec] = f"failed: {exc}"
            log.error("harvest %s (%s) failed: %s", set_spec, period_key, exc)
    return summaries


def rss_feeds() -> list[str]:
    """The announcement feeds the daily run reads: DAILYPAPERS_RSS_FEEDS, else one per harvest set."""
    from dailypapers.ingest.sources.arxiv_rss import feed_name_for

    return settings.DAILYPAPERS_RSS_FEEDS or list(dict.fromkeys(map(feed_name_for, settings.DAILYPAPERS_HARVEST_SETS)))


def harvest_feed(name: str) -> str:
    """The daily run of one feed: fetch, import, remember the announcement day; returns a summary.

    A feed whose announcement day was imported already is not imported again (arXiv rebuilds it
    only once a day). Raises FeedError (kept in ``HarvestState.last_error``) when it cannot be read.
    """
    from django.utils import timezone

    from dailypapers.ingest.models import HarvestState
    from dailypapers.ingest.pipeline import IngestPipeline
    from dailypapers.ingest.sources.arxiv_rss import FEED_ITEM_CAP, SOURCE, FeedError, fetch_feed, pipeline_items

    state, _ = HarvestState.objects.get_or_create(source=SOURCE, set_spec=name, defaults={"metadata_prefix": "rss"})
    HarvestState.objects.filter(pk=state.pk).update(last_run_at=timezone.now())
    try:
        feed = fetch_feed(name)
    except FeedError as exc:
        HarvestState.objects.filter(pk=state.pk).update(last_error=str(exc)[:2000])
        raise
    if feed.announced and state.last_datestamp == feed.announced:
        return f"{name} {feed.announced}: already imported"
    run = pipeline_items(feed)
    report = IngestPipeline(SOURCE, detail=f"feed {name} announced {feed.announced or '(empty)'}").run(run.items)
    summary = run.summary(report.summary())
    if feed.capped:
        log.warning("arXiv feed %s is at the %s-item cap: %s", name, FEED_ITEM_CAP, summary)
    updates = {"last_success_at": timezone.now(), "last_error": "", "records": len(run.items)}
    if feed.announced:
        updates["last_datestamp"] = feed.announced
    HarvestState.objects.filter(pk=state.pk).update(**updates)
    return summary


def harvest_feeds(period_key: str) -> dict:
    """The daily run with DAILYPAPERS_HARVEST_SOURCE=rss: today's announcement feed of each feed."""
    from dailypapers.ingest.sources.arxiv_rss import FeedError

    summaries = {}
    for name in rss_feeds():
        try:
            summaries[name] = harvest_feed(name)
            log.info("arXiv feed %s (%s): %s", name, period_key, summaries[name])
        except FeedError as exc:  # one feed failing must not stop the others
            summaries[name] = f"failed: {exc}"
            log.error("arXiv feed %s (%s) failed: %s", name, period_key, exc)
    return summaries


@task()
def harvest_biorxiv(period_key: str) -> dict:
    """The daily bioRxiv/medRxiv harvest: each of DAILYPAPERS_BIORXIV_SERVERS from where its last
    harvest stopped (a server never harvested starts the day before ``period_key``)."""
    import datetime as dt

    from dailypapers.ingest.pipeline import IngestPipeline
    from dailypapers.ingest.sources.biorxiv import BiorxivError, BiorxivHarvest

    summaries = {}
    for server in settings.DAILYPAPERS_BIORXIV_SERVERS:
        try:
            try:
                harvest = BiorxivHarvest(server)
            except BiorxivError:  # first harvest of this server (or an unknown name: raised again below)
                harvest = BiorxivHarvest(server, from_date=dt.date.fromisoformat(period_key) - dt.timedelta(days=1))
            report = IngestPipeline(server, detail=harvest.detail).run(harvest.items())
            summaries[server] = report.summary()
            log.info("harvest %s (%s): %s", server, period_key, summaries[server])
        except BiorxivError as exc:  # one server failing must not stop the other; its checkpoint is kept
            summaries[server] = f"failed: {exc}"
            log.error("harvest %s (%s) failed: %s", server, period_key, exc)
    return summaries


@task()
def render_thumbnails(period_key: str) -> str:
    """The periodic thumbnail run (``ingest.thumbnails``; on with ``DAILYPAPERS_THUMBNAILS``)."""
    from dailypapers.ingest.thumbnails import make_thumbnails

    run = make_thumbnails(settings.DAILYPAPERS_THUMBNAIL_DAYS, settings.DAILYPAPERS_THUMBNAILS_PER_RUN)
    log.info("thumbnails (%s): %s", period_key, run.summary())
    return run.summary()


@task()
def fetch_full_texts(period_key: str) -> str:
    """The periodic full-text run (``ingest.fulltext``; on with ``DAILYPAPERS_FULL_TEXT``)."""
    from dailypapers.ingest.fulltext import fetch_recent_full_texts

    run = fetch_recent_full_texts(settings.DAILYPAPERS_FULL_TEXT_DAYS, settings.DAILYPAPERS_FULL_TEXT_PER_RUN)
    log.info("full text (%s): %s", period_key, run.summary())
    return run.summary()


# A handed-over submission whose fetch finds arXiv unreachable is tried again this often, this much later.
SUBMISSION_ATTEMPTS = 4
SUBMISSION_RETRY_SECONDS = 60


@task()
def fetch_submission(user_id: int, paper_id: str, day: str, attempt: int = 1, organization: str = "") -> str:
    """A member's submission the request thread could not fetch quickly: fetch it from arXiv (the
    API, else OAI-PMH GetRecord; the normal timeout, waiting for the site's request slot) and put it
    on ``day``'s page (for the ``organization`` slug, if given). The member's ``SubmissionFetch``
    says where it stands: retrying while arXiv is busy, not found, placed, refused or given up."""
    import datetime as dt

    from django.utils import timezone

    from dailypapers.ingest.models import SubmissionFetch
    from dailypapers.ingest.sources.arxiv_api import ArxivUnavailable, PaperNotFound
    from dailypapers.ingest.submissions import SubmissionError, complete_submission, fetch_message

    State = SubmissionFetch.State
    date = dt.date.fromisoformat(day)

    def record(state: str, detail: str = "", **fields) -> None:
        # A fetch whose row is gone (the member's account deleted meanwhile) has nothing to record.
        SubmissionFetch.objects.filter(user_id=user_id, paper_id=paper_id).update(
            state=state, message=fetch_message(state, paper_id, date, detail), attempts=attempt,
            updated_at=timezone.now(), **fields)  # fmt: skip
        if state not in SubmissionFetch.OPEN_STATES:  # settled: the member is told (community listens)
            from dailypapers.ingest.signals import submission_settled

            fetch = SubmissionFetch.objects.filter(user_id=user_id, paper_id=paper_id).select_related("user").first()
            if fetch is not None:
                submission_settled.send(sender=SubmissionFetch, fetch=fetch)

    try:
        entry = complete_submission(user_id, paper_id, date, organization)
    except PaperNotFound as exc:
        record(State.NOT_FOUND, next_attempt_at=None)
        log.warning("submission of %s by member %s refused: %s", paper_id, user_id, exc)
        return f"refused: {exc}"
    except SubmissionError as exc:  # outside the window, already on a page, not the organization's member
        record(State.REFUSED, str(exc), next_attempt_at=None)
        log.warning("submission of %s by member %s refused: %s", paper_id, user_id, exc)
        return f"refused: {exc}"
    except ArxivUnavailable as exc:
        if attempt >= SUBMISSION_ATTEMPTS:
            record(State.FAILED, next_attempt_at=None)
            log.error("submission of %s by member %s failed after %s attempts: %s", paper_id, user_id, attempt, exc)
            return f"failed: {exc}"
        later = timezone.now() + dt.timedelta(seconds=SUBMISSION_RETRY_SECONDS * attempt)
        record(State.RETRYING, next_attempt_at=later)
        on_behalf = {"organization": organization} if organization else {}
        fetch_submission.using(run_after=later).enqueue(user_id, paper_id, day, attempt + 1, **on_behalf)
        log.info("submission of %s: arXiv unavailable (%s); trying again at %s", paper_id, exc, later)
        return f"retrying: {exc}"
    record(State.PLACED, next_attempt_at=None, entry=entry)
    return f"placed {entry.paper_id} on {entry.date}"
