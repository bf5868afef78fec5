"""Per-member rate limits on writes (upvotes, submissions, comments, API writes) and searches.

The one home of the 429: :func:`client_key` says who is counted, :func:`too_many_requests` turns
:class:`RateLimited` into the caller's kind of response (its page, its API's error JSON, or plain
text), always with ``Retry-After``.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse


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


def client_key(request) -> str:
    """Who a limit counts: the member when signed in, else the client address."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"member:{user.pk}"
    return f"ip:{request.META.get('REMOTE_ADDR') or 'unknown'}"


def check_search_rate(request) -> None:
    """Searches cost more than page views: limit them per client (raises RateLimited)."""
    check_write_rate(client_key(request), scope="search", per_minute=settings.DAILYPAPERS_SEARCH_RATE_PER_MINUTE)


def too_many_requests(exc: RateLimited, response: HttpResponse | None = None) -> HttpResponse:
    """The 429 for ``exc``: ``response`` (the caller's own body: its page, its API's error JSON)
    or, without one, the message as plain text; always with ``Retry-After``."""
    if response is None:
        response = HttpResponse(str(exc), content_type="text/plain; charset=utf-8")
    response.status_code = 429
    response["Retry-After"] = str(exc.retry_after)
    return response

