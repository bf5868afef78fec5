"""Per-member rate limits on writes (upvotes, submissions, comments, API writes)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"too many requests; try again in {retry_after} s")
        self.retry_after = retry_after


def check_write_rate(user_key: str | int, scope: str = "write", per_minute: int | None = None) -> None:
    """Count one write for ``user_key`` in the current minute; raise RateLimited past the limit."""
    limit = per_minute or settings.DAILYPAPERS_WRITE_RATE_PER_MINUTE
    window = int(time.time() // 60)
    key = f"rl:{scope}:{user_key}:{window}"
    cache.add(key, 0, timeout=70)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=70)
        count = 1
    if count > limit:
        raise RateLimited(retry_after=max(1, 60 - int(time.time()) % 60))
