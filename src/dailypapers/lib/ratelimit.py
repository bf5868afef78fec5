"""Per-member rate limits on writes (upvotes, submissions, comments, API writes) and searches.

The one home of the 429: :func:`client_key` says who is counted, :func:`too_many_requests` turns
:class:`RateLimited` into the caller's kind of response (its page, its API's error JSON, or plain
text), always with ``Retry-After``. Counters live in the database (``throttle``), so a limit holds
across every process and host of a site, not per worker.
"""

from __future__ import annotations

import ipaddress
import time
from functools import lru_cache

from django.conf import settings
from django.http import HttpResponse

from dailypapers.throttle.models import RateCounter


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"too many requests; try again in {retry_after} s")
        self.retry_after = retry_after


def check_rate(key: str, limit: int, window_seconds: int = 60) -> None:
    """Count one hit of ``key`` in the current fixed window of ``window_seconds`` (whole minutes: a
    minute, an hour); raise RateLimited past ``limit``. The counter row is named by the window's last
    minute, so it outlives the window by a minute and is then pruned (``throttle``)."""
    now = time.time()
    minutes = max(1, int(window_seconds) // 60)
    last_minute = (int(now // 60) // minutes + 1) * minutes - 1
    count = RateCounter.objects.hit(key, last_minute, now_minute=int(now // 60))
    if count > limit:
        raise RateLimited(retry_after=max(1, int((last_minute + 1) * 60 - now)))


def count_per_minute(user_key: str | int, scope: str = "write", per_minute: int | None = None) -> None:
    """Count one action of ``user_key`` in ``scope`` for the current minute (writes, sends, deletions:
    whatever the caller counts); raise RateLimited past ``per_minute`` (the site's write rate unless given)."""
    check_rate(f"{scope}:{user_key}", per_minute or settings.DAILYPAPERS_WRITE_RATE_PER_MINUTE)


def check_notification_rate(actor_pk: int) -> None:
    """Count one notification caused by member ``actor_pk`` this hour (a reply, a mention); raise
    RateLimited past DAILYPAPERS_NOTIFICATIONS_PER_HOUR."""
    check_rate(f"notify:member:{actor_pk}", settings.DAILYPAPERS_NOTIFICATIONS_PER_HOUR, 3600)


def client_key(request) -> str:
    """Who a limit counts: the member when signed in, else the client address (see :func:`client_address`)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"member:{user.pk}"
    return f"ip:{client_address(request)}"


def client_address(request) -> str:
    """The client's address: ``REMOTE_ADDR``, or behind a trusted proxy the right-most address of
    ``X-Forwarded-For`` that is not itself a trusted proxy (the left part is whatever the client sent,
    so it is never believed). A peer that is not a trusted proxy cannot choose its key by the header."""
    remote = request.META.get("REMOTE_ADDR") or "unknown"
    proxies = trusted_proxies(tuple(settings.DAILYPAPERS_TRUSTED_PROXIES))
    if not proxies or not _is_trusted(remote, proxies):
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    for address in reversed(forwarded):
        if not _is_trusted(address, proxies):
            return address if _parse_ip(address) is not None else remote
    return forwarded[0] if forwarded else remote  # every hop trusted: the first is the client


@lru_cache(maxsize=8)
def trusted_proxies(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """DAILYPAPERS_TRUSTED_PROXIES (addresses or CIDR networks) parsed once."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _is_trusted(address: str, proxies) -> bool:
    ip = _parse_ip(address)
    return ip is not None and any(ip.version == net.version and ip in net for net in proxies)


def check_search_rate(request) -> None:
    """Searches cost more than page views: limit them per client (raises RateLimited)."""
    count_per_minute(client_key(request), scope="search", per_minute=settings.DAILYPAPERS_SEARCH_RATE_PER_MINUTE)


def too_many_requests(exc: RateLimited, response: HttpResponse | None = None) -> HttpResponse:
    """The 429 for ``exc``: ``response`` (the caller's own body: its page, its API's error JSON)
    or, without one, the message as plain text; always with ``Retry-After``."""
    if response is None:
        response = HttpResponse(str(exc), content_type="text/plain; charset=utf-8")
    response.status_code = 429
    response["Retry-After"] = str(exc.retry_after)
    return response

