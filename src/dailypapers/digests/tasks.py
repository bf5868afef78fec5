"""Background tasks: the scheduled digests, and their retries after SMTP trouble."""

from __future__ import annotations

import datetime as dt

from django_tasks import default_task_backend, task

from dailypapers.digests.content import get_or_create_issue
from dailypapers.digests.models import Frequency
from dailypapers.digests.sending import DigestSender, next_retry_at
from dailypapers.papers.periods import WEEK_RE, parse_period


def frequency_of(period_key: str) -> str:
    """``YYYY-Www`` is a weekly digest, anything else daily (validated when the period is parsed)."""
    return Frequency.WEEKLY if WEEK_RE.match(period_key) else Frequency.DAILY


def previous_period_key(run_key: str) -> str:
    """The scheduler names the day/week a run fell due in; the digest covers the one before it,
    the last complete period (papers keep arriving all day)."""
    kind = "week" if frequency_of(run_key) == Frequency.WEEKLY else "day"
    return parse_period(kind, run_key).previous().key


def send_period(period_key: str) -> dict:
    """Send (or finish sending) the digest of ``period_key``; schedule a retry run when rows wait on backoff."""
    issue = get_or_create_issue(frequency_of(period_key), period_key)
    report = DigestSender(issue).run()
    retry_at = next_retry_at(issue)
    if retry_at and default_task_backend.supports_defer:
        send_digest.using(run_after=max(retry_at, dt.datetime.now(dt.timezone.utc))).enqueue(period_key)
    return {"summary": report.summary(), "sent": report.outcomes["sent"], "waiting": report.waiting}


@task()
def send_digest(period_key: str) -> dict:
    """Send the digest covering ``period_key`` (``YYYY-MM-DD`` daily, ``YYYY-Www`` weekly)."""
    return send_period(period_key)


@task()
def send_scheduled_digest(run_key: str) -> dict:
    """Scheduler entry point: ``run_key`` is the day/week the run fell due; send the period before."""
    return send_period(previous_period_key(run_key))
