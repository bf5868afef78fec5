"""Metrics in the Prometheus text format (version 0.0.4), written here without a client library.

Two kinds:

- **Request metrics**, counted in each process (``REQUESTS.observe``, by the observation
  middleware): requests by route name and status class, and a latency histogram. A host runs several
  web processes behind one port (granian's workers), and a scrape reaches only one of them, so each
  process writes its counts to its own file in ``DAILYPAPERS_METRICS_DIR`` (a directory on local disk,
  by default ``DATA_DIR/metrics``) at most every :data:`FLUSH_SECONDS`, and a scrape sums every file
  there. So one scrape of a host answers for all its processes (the others' counts at most a few
  seconds old); each host is scraped on its own. A process that has exited keeps counting in the sum:
  its file is folded into ``retired.json``, so totals never go down while the directory stays.
- **Site gauges**, read from the database at scrape time: task queue depth, search outbox and
  embedding backlog, digest outbox, papers. Shared by every host, so any one host's scrape gives them.
"""

from __future__ import annotations

import fcntl
import json
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Request latency buckets (seconds); +Inf is implied.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
FLUSH_SECONDS = 5.0
RETIRED_FILE = "retired.json"


def escape_label(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def format_value(value: float) -> str:
    if isinstance(value, int):
        return str(value)
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def sample_line(name: str, labels: dict[str, str], value: float) -> str:
    if labels:
        inner = ",".join(f'{key}="{escape_label(val)}"' for key, val in labels.items())
        return f"{name}{{{inner}}} {format_value(value)}"
    return f"{name} {format_value(value)}"


def family(name: str, kind: str, help_text: str, samples: Iterable[tuple[str, dict[str, str], float]]) -> list[str]:
    """A metric family's lines: HELP, TYPE, then ``(sample name, labels, value)`` samples."""
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    lines.extend(sample_line(sample_name, labels, value) for sample_name, labels, value in samples)
    return lines


# -- request metrics -------------------------------------------------------------------------------

def _empty_series() -> dict:
    return {"buckets": [0] * len(BUCKETS), "count": 0, "sum": 0.0}


def _add_series(into: dict, other: dict) -> None:
    into["buckets"] = [a + b for a, b in zip(into["buckets"], other["buckets"], strict=True)]
    into["count"] += other["count"]
    into["sum"] += other["sum"]


def _merge(into: dict[str, dict], other: dict[str, dict]) -> None:
    for key, series in other.items():
        if len(series.get("buckets", ())) != len(BUCKETS):
            continue  # written with other buckets (an older version): not comparable
        _add_series(into.setdefault(key, _empty_series()), series)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


class RequestMetrics:
    """This process's request counts, keyed ``"route\\tstatus class"``; shared with the host's other
    processes through files (see the module docstring)."""

    def __init__(self, directory: Path | None = None):
        self._directory = directory
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._series: dict[str, dict] = {}
        self._last_flush = 0.0
        self._pid = os.getpid()

    @property
    def directory(self) -> Path:
        if self._directory is None:
            from django.conf import settings

            self._directory = Path(settings.DAILYPAPERS_METRICS_DIR)
        return self._directory

    def observe(self, route: str, status: int, seconds: float) -> None:
        key = f"{route}\t{status // 100}xx"
        with self._lock:
            if os.getpid() != self._pid:  # forked after counting: the child starts from zero
                self._series, self._pid, self._last_flush = {}, os.getpid(), 0.0
            series = self._series.setdefault(key, _empty_series())
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    series["buckets"][i] += 1
            series["count"] += 1
            series["sum"] += seconds
            due = time.monotonic() - self._last_flush >= FLUSH_SECONDS
        if due:
            self.flush(wait=False)

    def flush(self, *, wait: bool = True) -> None:
        """Write this process's counts to its file (atomically: a reader sees the old or the new).
        One thread writes at a time; a request thread (``wait=False``) leaves it to the one writing."""
        if not self._flush_lock.acquire(blocking=wait):
            return
        try:
            with self._lock:
                snapshot = json.dumps(self._series)
                self._last_flush = time.monotonic()
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"{os.getpid()}.json"
            tmp = path.with_suffix(".tmp")
            tmp.write_text(snapshot)
            os.replace(tmp, path)
        except OSError as exc:  # metrics must never fail a request
            log.warning("cannot write request metrics to %s: %s", self.directory, exc)
        finally:
            self._flush_lock.release()

    def host_totals(self) -> dict[str, dict]:
        """Counts of every process on this host, this one's up to now."""
        self.flush()
        totals: dict[str, dict] = {}
        directory = self.directory
        try:
            with open(directory / ".lock", "a") as lock_file:
                fcntl.flock(lock_file, fcntl.LOCK_EX)  # one scrape at a time folds exited processes
                retired_path = directory / RETIRED_FILE
                retired = _read(retired_path)
                folded = False
                for path in directory.glob("*.json"):
                    if path.name == RETIRED_FILE or not path.stem.isdigit():
                        continue
                    counts = _read(path)
                    if int(path.stem) != os.getpid() and not _pid_alive(int(path.stem)):
                        _merge(retired, counts)
                        path.unlink(missing_ok=True)
                        folded = True
                    else:
                        _merge(totals, counts)
                if folded:
                    tmp = retired_path.with_suffix(".tmp")
                    tmp.write_text(json.dumps(retired))
                    os.replace(tmp, retired_path)
                _merge(totals, retired)
        except OSError as exc:
            log.warning("cannot read request metrics in %s: %s", directory, exc)
            with self._lock:
                _merge(totals, self._series)
        return totals

    def reset(self) -> None:
        """Forget this process's counts (tests)."""
        with self._lock:
            self._series = {}


def _read(path: Path) -> dict[str, dict]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


REQUESTS = RequestMetrics()


def request_lines(totals: dict[str, dict]) -> list[str]:
    counts, histogram = [], []
    for key in sorted(totals):
        route, status = key.split("\t", 1)
        series = totals[key]
        labels = {"route": route, "status": status}
        counts.append(("dailypapers_http_requests_total", labels, series["count"]))
        for bound, cumulative in zip(BUCKETS, series["buckets"], strict=True):
            histogram.append(("dailypapers_http_request_duration_seconds_bucket", {**labels, "le": format_value(bound)}, cumulative))
        histogram.append(("dailypapers_http_request_duration_seconds_bucket", {**labels, "le": "+Inf"}, series["count"]))
        histogram.append(("dailypapers_http_request_duration_seconds_sum", labels, series["sum"]))
        histogram.append(("dailypapers_http_request_duration_seconds_count", labels, series["count"]))
    return [
        *family("dailypapers_http_requests_total", "counter",
                "HTTP requests answered by this host's processes, by route name and status class.", counts),
        *family("dailypapers_http_request_duration_seconds", "histogram", "Time to answer HTTP requests (until the response headers).", histogram),
    ]


# -- site gauges (read from the database at scrape time) -------------------------------------------

def _task_queue() -> list[str]:
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    by_status = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("id")).order_by())
    samples = [("dailypapers_task_queue", {"status": status.lower()}, by_status.get(status, 0)) for status in ("READY", "RUNNING", "FAILED")]
    return family("dailypapers_task_queue", "gauge", "Background tasks in the database queue, by status (ready: waiting for a worker).", samples)


def _search_backlog() -> list[str]:
    from dailypapers.search import get_backend

    pending = get_backend().pending_counts()
    return [
        *family("dailypapers_search_outbox", "gauge", "Papers changed and not yet indexed for search.",
                [("dailypapers_search_outbox", {}, pending.outbox)]),
        *family("dailypapers_embed_backlog", "gauge", "Papers without a vector of the current embedding model.",
                [("dailypapers_embed_backlog", {}, pending.embed_backlog)]),
    ]


def _digest_outbox() -> list[str]:
    from django.db.models import Count

    from dailypapers.digests.models import DeliveryState, DigestDelivery

    waiting = (DeliveryState.PENDING, DeliveryState.SENDING, DeliveryState.FAILED)
    by_state = dict(DigestDelivery.objects.filter(state__in=waiting).values_list("state").annotate(n=Count("id")).order_by())
    samples = [("dailypapers_digest_outbox", {"state": str(state)}, by_state.get(state, 0)) for state in waiting]
    return family("dailypapers_digest_outbox", "gauge", "Digest deliveries not sent yet (pending, claimed by a sender, or given up).", samples)


def _papers() -> list[str]:
    from dailypapers.papers.models import Paper

    return family("dailypapers_papers", "gauge", "Papers in the database.", [("dailypapers_papers", {}, Paper.objects.count())])


GAUGES: dict[str, Callable[[], list[str]]] = {
    "task_queue": _task_queue,
    "search": _search_backlog,
    "digests": _digest_outbox,
    "papers": _papers,
}


def render() -> str:
    """The whole scrape: request metrics of this host, then the site gauges. A gauge whose source
    fails is left out and ``dailypapers_metrics_source_up{source=...}`` says 0, so a broken search
    index does not hide the task queue."""
    lines = request_lines(REQUESTS.host_totals())
    up = []
    for name, collect in GAUGES.items():
        try:
            lines.extend(collect())
            up.append(("dailypapers_metrics_source_up", {"source": name}, 1))
        except Exception:
            log.exception("metrics source %s failed", name)
            up.append(("dailypapers_metrics_source_up", {"source": name}, 0))
    lines.extend(family("dailypapers_metrics_source_up", "gauge", "Whether the scrape could read this source (1) or not (0).", up))
    return "\n".join(lines) + "\n"
