"""A cache that fails soft: an error of the store (a full disk under the SQLite cache, Redis gone) is
a miss, never the request's 500. Everything the site keeps in the cache (pages, the content version,
rankings, counts) can be recomputed, so serving uncached is slower but right; before, a full disk
made every anonymous page a 500 through the page cache while /healthz said 200.

Each failure is logged (once a minute per process) and remembered, so ``/healthz`` says the process
is degraded and ``/readyz``'s cache check fails with the error.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)
REPORT_SECONDS = 60  # how long a failure is reported after it happened (and how often it is logged)

_lock = threading.Lock()
_last_failure: tuple[float, str] | None = None
_last_logged = 0.0


def record_failure(operation: str, exc: Exception) -> None:
    global _last_failure, _last_logged
    text = f"{operation}: {exc.__class__.__name__}: {exc}"[:300]
    now = time.monotonic()
    with _lock:
        _last_failure = (now, text)
        due = now - _last_logged >= REPORT_SECONDS
        if due:
            _last_logged = now
    if due:
        logger.error("cache failing, serving uncached: %s", text)


def recent_failure() -> str | None:
    """The last cache error of this process in the last REPORT_SECONDS, or None."""
    failure = _last_failure
    if failure is None or time.monotonic() - failure[0] > REPORT_SECONDS:
        return None
    return failure[1]


def forget_failures() -> None:
    global _last_failure
    _last_failure = None


class MissOnError:
    """Mixin for a cache backend: reads that fail miss, writes that fail are dropped. ``add`` that
    fails says True (the caller goes on as if it held the key: the page cache renders the page itself
    rather than wait for a renderer that will never store it); ``incr`` that fails answers ``delta``."""

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except Exception as exc:  # noqa: BLE001 (any store error is a miss)
            record_failure("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except Exception as exc:  # noqa: BLE001
            record_failure("get_many", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except Exception as exc:  # noqa: BLE001
            record_failure("has_key", exc)
            return False

    def set(self, *args, **kwargs):
        try:
            return super().set(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            record_failure("set", exc)
            return None

    def set_many(self, *args, **kwargs):
        try:
            return super().set_many(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            record_failure("set_many", exc)
            return []

    def add(self, *args, **kwargs):
        try:
            return super().add(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            record_failure("add", exc)
            return True

    def touch(self, *args, **kwargs):
        try:
            return super().touch(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            record_failure("touch", exc)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except ValueError:  # the key is missing: the caller's to handle, as with any backend
            raise
        except Exception as exc:  # noqa: BLE001
            record_failure("incr", exc)
            return delta

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except Exception as exc:  # noqa: BLE001
            record_failure("delete", exc)
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except Exception as exc:  # noqa: BLE001
            record_failure("delete_many", exc)
            return None


class TolerantRedisCache(MissOnError, RedisCache):
    """Django's Redis cache, failing soft (DAILYPAPERS_REDIS_URL)."""
