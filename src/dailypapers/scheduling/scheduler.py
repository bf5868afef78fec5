"""A small scheduler for periodic background jobs (the daily arXiv harvest, email digests).

Apps register jobs from ``AppConfig.ready()``::

    from dailypapers.scheduling import scheduler
    scheduler.register("arxiv-harvest", harvest_arxiv, hour=6, enabled=lambda: bool(settings.X))

``task`` is a django-tasks ``@task`` function taking one string, the *period key*: the day
(``"YYYY-MM-DD"``) or, for weekly jobs (``weekday`` given, 0 = Monday), the ISO week
(``"YYYY-Www"``) in which the run fell due. A daily job at 07:00 fires once on 2026-11-23 with
``"2026-11-23"``; what it covers (that day, or the day before) is the task's business.

The scheduler never runs jobs itself: it *enqueues* them on the task queue that
``dailypapers worker`` (``db_worker``) executes. Each (job, period key) is recorded in a table
with a unique constraint, in the same transaction as the enqueue, so several workers ticking at
once, or a restart, never enqueue a period twice. A worker that was down when a job fell due
enqueues the latest due period when it comes back (older missed periods are skipped: the
harvest is incremental and a digest for last Tuesday is no longer news).

Times are in ``settings.TIME_ZONE``. ``dailypapers worker`` runs :func:`run_forever` in a thread
beside the task worker; ``dailypapers scheduler list|tick|run`` inspects or drives it by hand.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone

log = logging.getLogger(__name__)

TICK_SECONDS = 30


@dataclass(frozen=True)
class Job:
    name: str
    task: Any  # a django_tasks Task
    hour: int
    minute: int = 0
    weekday: int | None = None  # None: daily; 0-6 (Monday = 0): weekly on that day
    enabled: Callable[[], bool] = lambda: True

    @property
    def frequency(self) -> str:
        return "daily" if self.weekday is None else "weekly"

    def describe_time(self) -> str:
        at = f"{self.hour:02d}:{self.minute:02d}"
        if self.weekday is None:
            return f"daily at {at}"
        return f"weekly on {dt.date(2024, 1, 1 + self.weekday):%A} at {at}"

    def _due_at(self, day: dt.date, tz) -> dt.datetime:
        # Built from the wall-clock date and time so a DST change moves the run with local time.
        return dt.datetime.combine(day, dt.time(self.hour, self.minute), tzinfo=tz)

    def latest_due(self, now: dt.datetime) -> tuple[str, dt.datetime]:
        """(period key, due time) of the most recent run that is due at ``now`` (aware)."""
        tz = timezone.get_current_timezone()
        local = timezone.localtime(now, tz)
        if self.weekday is None:
            due = self._due_at(local.date(), tz)
            if due > local:
                due = self._due_at(local.date() - dt.timedelta(days=1), tz)
            return due.date().isoformat(), due
        monday = local.date() - dt.timedelta(days=local.weekday())
        due = self._due_at(monday + dt.timedelta(days=self.weekday), tz)
        if due > local:
            due = self._due_at(monday + dt.timedelta(days=self.weekday - 7), tz)
        year, week, _ = due.date().isocalendar()
        return f"{year}-W{week:02d}", due

    def next_due(self, now: dt.datetime) -> dt.datetime:
        _, due = self.latest_due(now)
        tz = timezone.get_current_timezone()
        step = dt.timedelta(days=1 if self.weekday is None else 7)
        return self._due_at(due.date() + step, tz)


_jobs: dict[str, Job] = {}


def register(
    name: str,
    task,
    *,
    hour: int,
    minute: int = 0,
    weekday: int | None = None,
    enabled: Callable[[], bool] = lambda: True,
) -> Job:
    """Register (or replace) the periodic job ``name``; call from ``AppConfig.ready()``."""
    if not 0 <= hour <= 23 or not 0 <= minute <= 59:
        raise ValueError(f"job {name!r}: hour must be 0-23 and minute 0-59, got {hour}:{minute}")
    if weekday is not None and not 0 <= weekday <= 6:
        raise ValueError(f"job {name!r}: weekday must be 0 (Monday) to 6, got {weekday}")
    if not hasattr(task, "enqueue"):
        raise TypeError(f"job {name!r}: task must be a django-tasks @task function")
    job = Job(name=name, task=task, hour=hour, minute=minute, weekday=weekday, enabled=enabled)
    _jobs[name] = job
    return job


def jobs() -> list[Job]:
    return sorted(_jobs.values(), key=lambda j: j.name)


def tick(now: dt.datetime | None = None) -> list[tuple[str, str]]:
    """Enqueue every enabled job whose latest due period has not been enqueued yet.

    Returns the (job name, period key) pairs this call enqueued; safe to call from any number of
    processes at once.
    """
    from dailypapers.scheduling.models import ScheduledRun

    now = now or timezone.now()
    enqueued = []
    for job in jobs():
        try:
            if not job.enabled():
                continue
        except Exception:  # a broken switch must not stop the other jobs
            log.exception("scheduler: could not tell whether %s is enabled", job.name)
            continue
        key, due = job.latest_due(now)
        if ScheduledRun.objects.filter(job=job.name, period_key=key).exists():
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=job.name, period_key=key, due_at=due)
                result = job.task.enqueue(key)
                run.task_result_id = str(result.id)
                run.save(update_fields=["task_result_id"])
        except IntegrityError:
            continue  # another scheduler enqueued it first
        log.info("scheduler: enqueued %s for %s", job.name, key)
        enqueued.append((job.name, key))
    return enqueued


def run_forever(stop: threading.Event, interval: float = TICK_SECONDS) -> None:
    """Tick every ``interval`` seconds until ``stop`` is set; errors are logged, never fatal."""
    while not stop.is_set():
        try:
            close_old_connections()
            tick()
        except Exception:
            log.exception("scheduler tick failed; retrying in %s s", interval)
        finally:
            close_old_connections()
        stop.wait(interval)


def start_in_thread(interval: float = TICK_SECONDS) -> threading.Event:
    """Run the scheduler in a daemon thread (beside ``db_worker``); set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(target=run_forever, args=(stop, interval), name="dailypapers-scheduler", daemon=True).start()
    return stop
