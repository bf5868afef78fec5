"""`dailypapers scheduler list|tick|run`: the periodic jobs, their last runs, and driving them by hand."""

from __future__ import annotations

import threading
import uuid

from django.core.management.base import BaseCommand
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dailypapers.scheduling import scheduler
from dailypapers.scheduling.models import ScheduledRun


class Command(BaseCommand):
    help = "Periodic jobs: list them with their last runs, enqueue what is due now (tick), or run the loop."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        sub.add_parser("list", help="registered jobs, schedule, next due time and last runs")
        sub.add_parser("tick", help="enqueue every job whose period is due and not yet enqueued, then exit")
        run = sub.add_parser("run", help="tick every --interval seconds until interrupted")
        run.add_argument("--interval", type=float, default=scheduler.TICK_SECONDS)

    def handle(self, *args, action, **options):
        if action == "list":
            self.list_jobs()
        elif action == "tick":
            enqueued = scheduler.tick()
            for name, key in enqueued:
                self.stdout.write(f"enqueued {name} for {key}")
            if not enqueued:
                self.stdout.write("nothing due")
        else:
            stop = threading.Event()
            try:
                scheduler.run_forever(stop, options["interval"])
            except KeyboardInterrupt:
                stop.set()

    def list_jobs(self) -> None:
        now = timezone.now()
        jobs = scheduler.jobs()
        if not jobs:
            self.stdout.write("no periodic jobs registered")
        for job in jobs:
            state = "enabled" if job.enabled() else "disabled"
            key, _ = job.latest_due(now)
            next_due = timezone.localtime(job.next_due(now))
            self.stdout.write(
                f"{job.name}: {job.describe_time()} ({timezone.get_current_timezone_name()}), {state}; "
                f"latest period {key}, next due {next_due:%Y-%m-%d %H:%M}"
            )
            runs = list(ScheduledRun.objects.filter(job=job.name)[:5])
            statuses = dict(
                DBTaskResult.objects.filter(id__in=[r.task_result_id for r in runs if r.task_result_id]).values_list(
                    "id", "status"
                )
            )
            for run in runs:
                status = statuses.get(_uuid_or_none(run.task_result_id), "unknown")
                self.stdout.write(
                    f"    {run.period_key}: enqueued {timezone.localtime(run.enqueued_at):%Y-%m-%d %H:%M:%S},"
                    f" task {status}"
                )
            if not runs:
                self.stdout.write("    never run")


def _uuid_or_none(value: str):
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
