"""The periodic-job scheduler: due periods, exactly-once enqueue, concurrent schedulers."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from dailypapers.scheduling import scheduler
from dailypapers.scheduling.models import ScheduledRun

ROOT = Path(__file__).resolve().parents[2]


@task()
def record_period(period_key: str) -> str:
    return period_key


@pytest.fixture
def job(monkeypatch):
    """Only the test's own job is registered (other rooms register theirs from their apps)."""
    monkeypatch.setattr(scheduler, "_jobs", {})
    return scheduler.register("test-job", record_period, hour=6, minute=30)


def at(text: str, tz: str = "UTC") -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))


def test_daily_and_weekly_due_periods(settings):
    daily = scheduler.Job("d", record_period, hour=6, minute=30)
    assert daily.latest_due(at("2026-11-23T06:29"))[0] == "2026-11-22"
    assert daily.latest_due(at("2026-11-23T06:30")) == ("2026-11-23", at("2026-11-23T06:30"))
    assert daily.next_due(at("2026-11-23T07:00")) == at("2026-11-24T06:30")
    weekly = scheduler.Job("w", record_period, hour=7, weekday=0)  # Mondays 07:00
    assert weekly.latest_due(at("2026-11-23T07:00"))[0] == "2026-W48"  # Monday of ISO week 48
    assert weekly.latest_due(at("2026-11-23T06:59"))[0] == "2026-W47"
    assert weekly.latest_due(at("2026-11-29T23:00"))[0] == "2026-W48"
    assert weekly.latest_due(at("2027-01-04T08:00"))[0] == "2027-W01"


def test_hours_are_in_the_site_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    with timezone.override("America/New_York"):
        daily = scheduler.Job("d", record_period, hour=6)
        # 10:30 UTC is 05:30 in New York (EST): today's 06:00 run is not due yet.
        assert daily.latest_due(at("2026-11-23T10:30"))[0] == "2026-11-22"
        key, due = daily.latest_due(at("2026-11-23T11:00"))
        assert key == "2026-11-23" and due.astimezone(dt.timezone.utc).hour == 11
        # Across the DST change the run stays at 06:00 local time.
        assert daily.latest_due(at("2026-07-01T10:05"))[1].astimezone(dt.timezone.utc).hour == 10


def test_register_validates():
    with pytest.raises(ValueError):
        scheduler.register("x", record_period, hour=24)
    with pytest.raises(ValueError):
        scheduler.register("x", record_period, hour=1, weekday=7)
    with pytest.raises(TypeError):
        scheduler.register("x", lambda key: None, hour=1)


@pytest.mark.django_db
def test_tick_enqueues_once_per_period_and_catches_up_latest(job):
    assert scheduler.tick(at("2026-11-23T06:00")) == [("test-job", "2026-11-22")]  # catch up: yesterday's run
    assert scheduler.tick(at("2026-11-23T06:10")) == []
    assert scheduler.tick(at("2026-11-23T06:31")) == [("test-job", "2026-11-23")]
    assert scheduler.tick(at("2026-11-23T20:00")) == []
    # Down for three days: only the latest missed period is enqueued.
    assert scheduler.tick(at("2026-11-27T09:00")) == [("test-job", "2026-11-27")]
    runs = ScheduledRun.objects.filter(job="test-job")
    assert sorted(runs.values_list("period_key", flat=True)) == ["2026-11-22", "2026-11-23", "2026-11-27"]
    results = DBTaskResult.objects.filter(id__in=[r.task_result_id for r in runs])
    assert sorted(r.args_kwargs["args"][0] for r in results) == ["2026-11-22", "2026-11-23", "2026-11-27"]


@pytest.mark.django_db
def test_disabled_or_broken_switch_enqueues_nothing(job):
    scheduler.register("off", record_period, hour=0, enabled=lambda: False)
    scheduler.register("broken", record_period, hour=0, enabled=lambda: 1 / 0)
    assert scheduler.tick(at("2026-11-23T12:00")) == [("test-job", "2026-11-23")]


def test_concurrent_schedulers_enqueue_exactly_once(tmp_path):
    """Four real processes tick at once against one SQLite file: one enqueue in total."""
    env = {**os.environ, "DAILYPAPERS_DATA_DIR": str(tmp_path), "DAILYPAPERS_HARVEST_SETS": "cs",
           "DAILYPAPERS_HARVEST_HOUR": "0", "DJANGO_SETTINGS_MODULE": "dailypapers.settings"}  # fmt: skip
    cmd = [sys.executable, "-m", "dailypapers"]
    subprocess.run([*cmd, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    procs = [subprocess.Popen([*cmd, "scheduler", "tick"], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
             for _ in range(4)]  # fmt: skip
    outputs = [p.communicate(timeout=60)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sum("enqueued arxiv-harvest" in out for out in outputs) == 1
    listing = subprocess.run([*cmd, "scheduler", "list"], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    harvest_block = listing.stdout.split("arxiv-harvest: ", 1)[1].split("\n")
    assert harvest_block[0].startswith("daily at 00:00 (UTC), enabled")
    assert "enqueued" in harvest_block[1] and "task READY" in harvest_block[1]
    assert not harvest_block[2].startswith("    ")  # one run only


def test_harvest_job_registered_and_off_without_sets(settings):
    job = {j.name: j for j in scheduler.jobs()}["arxiv-harvest"]
    settings.DAILYPAPERS_HARVEST_SETS = []
    assert not job.enabled()
    settings.DAILYPAPERS_HARVEST_SETS = ["cs"]
    assert job.enabled()
