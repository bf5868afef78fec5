"""Anonymous reads served from the shared cache, invalidated by a site-wide content version.

Every write that changes what a page shows (a vote, an entry, an import touching papers, a comment,
moderation) bumps one counter in the shared cache (``bump_content_version``; the rooms connect their
models and signals to it in their ``AppConfig.ready``). Cached responses are keyed by that version,
so after a bump every process renders afresh: a vote shows on the next request, everywhere. The TTL
(DAILYPAPERS_PAGE_CACHE_SECONDS) only bounds what ages by the clock alone, like trending scores.

Pages carry CSRF tokens (the digest box on every page, the upvote forms). A request the cache may
answer is rendered with a placeholder for the token (``csrf_placeholder``); the cached body holds
only the placeholder, and each response gets the reader's own token put in. Such pages are
``Cache-Control: private`` (a shared proxy would hand one reader's token to another); responses
without a token (feeds, APIs) are ``public``. Both get an ETag (of the cached body) and
Last-Modified, and a matching conditional request gets a 304.

A shared module: it imports no room.
"""

from __future__ import annotations

import hashlib
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

VERSION_KEY = "dailypapers:content-version"
# Stands for the reader's CSRF token in cached bodies; letters only, so no template escapes it.
CSRF_PLACEHOLDER = "DailyPapersCsrfTokenPlaceholderXq7Zk"
_PLACEHOLDER_BYTES = CSRF_PLACEHOLDER.encode()

# The read paths served from the cache. Search (rate-limited per client, and unbounded in its keys),
# the submit form, votes and the member API stay out.
CACHEABLE_PATH = re.compile(
    r"^/(?:"
    r"|papers/?|papers/(?:date|week|month)/[^/]+|papers/trending|papers/[^/]+(?:\.md)?"
    r"|organizations/[^/]+|about/ranking"
    r"|api/daily_papers|api/papers/[^/]+(?:/[^/]+)?|api/v1/.+"
    r"|feeds/.+"
    r")\Z"
)
NOT_CACHEABLE_PATH = re.compile(r"search|suggest|/submit|/upvote|^/api/v1/(?:me|collections|submissions)")
MAX_CACHED_BYTES = 4 * 1024 * 1024
# Single flight: the first miss renders, later ones wait up to RENDER_WAIT_SECONDS for its result.
RENDER_LOCK_SECONDS = 10
RENDER_WAIT_SECONDS = 2.0
# Headers of a stored response that belong to it, not to one reader or to the cache layer.
_SKIPPED_HEADERS = {"set-cookie", "vary", "cache-control", "etag", "last-modified", "expires", "content-length"}
_ALLOWED_VARY = {"cookie", "accept-encoding", "hx-request", "hx-target"}


def content_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        # Start from the clock, not 1: if the counter is evicted or the cache cleared while pages
        # stay (Redis under memory pressure), a fresh counter must not meet pages keyed by an old one.
        cache.add(VERSION_KEY, time.time_ns() // 1000, timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        content_version()
        cache.incr(VERSION_KEY)


def bump_content_version(**_signal_kwargs) -> None:
    """Invalidate every cached page. Bumped now and again when the transaction commits: a page
    rendered between the write and its commit reads the old rows, and must not stay cached under
    the new version."""
    _bump()
    transaction.on_commit(_bump)


def invalidate_on_changes(*models) -> None:
    """Bump the content version whenever one of ``models`` is saved or deleted (rooms call this
    from ``AppConfig.ready`` for the models their pages show)."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for model in models:
        post_save.connect(bump_content_version, sender=model, dispatch_uid=f"pagecache-save-{model._meta.label}")
        post_delete.connect(bump_content_version, sender=model, dispatch_uid=f"pagecache-delete-{model._meta.label}")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(bump_content_version, sender=field.remote_field.through,
                                dispatch_uid=f"pagecache-m2m-{model._meta.label}-{field.name}")


def csrf_placeholder(request) -> dict:
    """Context processor: pages the cache may keep are rendered with the placeholder for the token."""
    return {"csrf_token": CSRF_PLACEHOLDER} if getattr(request, "page_cache_csrf", False) else {}


def cacheable_request(request) -> bool:
    """Anonymous GETs of the read paths: no session, no pending messages, no API token."""
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and getattr(settings, "MESSAGE_COOKIE_NAME", "messages") not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
        and CACHEABLE_PATH.match(request.path_info) is not None
        and NOT_CACHEABLE_PATH.search(request.path_info) is None
    )


def page_key(request, version: int) -> str:
    what = "\n".join([
        request.scheme, request.get_host(), request.headers.get("HX-Request", ""), request.headers.get("HX-Target", ""),
        request.get_full_path(),
    ])
    return f"dailypapers:page:{version}:{hashlib.md5(what.encode(), usedforsecurity=False).hexdigest()}"


class CachedPage:
    """What is stored: the body with the placeholder, its headers, and the validators."""

    __slots__ = ("status", "headers", "body", "etag", "last_modified", "has_token")

    def __init__(self, status, headers, body, last_modified):
        self.status, self.headers, self.body, self.last_modified = status, headers, body, last_modified
        self.has_token = _PLACEHOLDER_BYTES in body
        self.etag = f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'

    def __getstate__(self):
        return {name: getattr(self, name) for name in self.__slots__}

    def __setstate__(self, state):
        for name, value in state.items():
            setattr(self, name, value)


def storable(request, response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies or len(response.content) > MAX_CACHED_BYTES:
        return False
    if response.has_header("Cache-Control") and any(d in response["Cache-Control"] for d in ("private", "no-store", "no-cache")):
        return False
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    if not vary <= _ALLOWED_VARY:
        return False
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    messages = getattr(request, "_messages", None)
    return not (messages is not None and getattr(messages, "_queued_messages", None))


def substitute_token(request, response) -> None:
    """Put the reader's own CSRF token where the placeholder stands."""
    if not response.streaming and _PLACEHOLDER_BYTES in response.content:
        response.content = response.content.replace(_PLACEHOLDER_BYTES, get_token(request).encode())


class PageCacheMiddleware:
    """Last in MIDDLEWARE, so a hit skips only the view: the CSRF cookie, security headers and gzip
    of the middleware above apply to cached responses as to fresh ones."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = settings.DAILYPAPERS_PAGE_CACHE
        self.timeout = settings.DAILYPAPERS_PAGE_CACHE_SECONDS
        self.public_max_age = settings.DAILYPAPERS_PUBLIC_MAX_AGE

    def __call__(self, request):
        if not (self.enabled and cacheable_request(request)):
            response = self.get_response(request)
            if request.method == "GET" and settings.SESSION_COOKIE_NAME in request.COOKIES and not response.has_header("Cache-Control"):
                patch_cache_control(response, private=True, no_cache=True)  # a member's page is theirs alone
            return response
        key = page_key(request, content_version())
        page = cache.get(key)
        if page is None and not cache.add(f"{key}:rendering", 1, RENDER_LOCK_SECONDS):
            page = self.wait_for(key)
        if page is None:
            request.page_cache_csrf = True
            try:
                response = self.get_response(request)
                if not storable(request, response):
                    substitute_token(request, response)
                    return response
                headers = [(k, v) for k, v in response.items() if k.lower() not in _SKIPPED_HEADERS]
                page = CachedPage(response.status_code, headers, response.content, int(time.time()))
                cache.set(key, page, self.timeout)
            finally:
                cache.delete(f"{key}:rendering")
        return self.respond(request, page)

    @staticmethod
    def wait_for(key: str) -> CachedPage | None:
        """Another request is rendering this page: wait for it rather than render it again. After a
        vote every reader of a popular page misses at once; one renders, the rest get its result
        (never an older version's page). None after RENDER_WAIT_SECONDS, or if the renderer's
        response was not storable: then this request renders for itself."""
        deadline = time.monotonic() + RENDER_WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.005)
            page = cache.get(key)
            if page is not None:
                return page
            if not cache.has_key(f"{key}:rendering"):
                return cache.get(key)
        return None

    def respond(self, request, page: CachedPage):
        response = HttpResponse(page.body, status=page.status)
        for name, value in page.headers:
            response[name] = value
        response["ETag"] = page.etag
        response["Last-Modified"] = http_date(page.last_modified)
        if page.has_token:
            patch_cache_control(response, private=True, no_cache=True)
        else:
            patch_cache_control(response, public=True, max_age=self.public_max_age, must_revalidate=self.public_max_age == 0)
        patch_vary_headers(response, ("Cookie", "HX-Request", "HX-Target"))
        conditional = get_conditional_response(request, etag=page.etag, last_modified=page.last_modified, response=response)
        if conditional is not response:
            return conditional
        substitute_token(request, response)
        return response
