"""The page cache's middleware: which requests it may answer, storing a render, answering from the store."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from dailypapers.lib.pagecache.policy import page_policy
from dailypapers.lib.pagecache.store import (
    CSRF_PLACEHOLDER,
    MAX_CACHED_BYTES,
    PLACEHOLDER_BYTES,
    CachedPage,
    content_version,
    local_pages,
    page_key,
)
from dailypapers.lib.pagecache.tags import personal_body, resolve_slots

# Single flight: the first miss renders, later ones wait up to RENDER_WAIT_SECONDS for its result.
RENDER_LOCK_SECONDS = 10
# As long as the lock: on an overloaded machine a render can take seconds, and waiters that give up
# render too, all at once, which is what made the seconds (a 2.2 s p99 on the 100k-paper day page).
RENDER_WAIT_SECONDS = float(RENDER_LOCK_SECONDS)
# Headers of a stored response that belong to it, not to one reader or to the cache layer.
_SKIPPED_HEADERS = {"set-cookie", "vary", "cache-control", "etag", "last-modified", "expires", "content-length"}
_ALLOWED_VARY = {"cookie", "accept-encoding", "hx-request", "hx-target", "accept"}  # accept: markdown bypasses the cache


def csrf_placeholder(request) -> dict:
    """Context processor: pages the cache may keep are rendered with the placeholder for the token."""
    return {"csrf_token": CSRF_PLACEHOLDER} if getattr(request, "page_cache_csrf", False) else {}


def _cacheable_read(request):
    """The policy of a GET the cache may answer (no pending messages, no API token, a view marked
    ``@cached_page``), else None."""
    if (
        request.method != "GET"
        or getattr(settings, "MESSAGE_COOKIE_NAME", "messages") in request.COOKIES
        or "HTTP_AUTHORIZATION" in request.META
        or "text/markdown" in request.META.get("HTTP_ACCEPT", "")  # a page's markdown (papers.as_markdown): not the page
    ):
        return None
    return page_policy(request)


def cacheable_request(request) -> bool:
    """Anonymous GETs of the cached views: no session, no pending messages, no API token."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and _cacheable_read(request) is not None


def member_cacheable_request(request) -> bool:
    """GETs with a session of the views marked ``members=True`` (their personal bits are all card
    flags and member parts), with no messages waiting to be shown (they would have to be in the page)."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    policy = _cacheable_read(request)
    if policy is None or not policy.members:
        return False
    messages = getattr(request, "_messages", None)
    return messages is None or len(messages) == 0


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
    if not response.streaming and PLACEHOLDER_BYTES in response.content:
        response.content = response.content.replace(PLACEHOLDER_BYTES, get_token(request).encode())


class PageCacheMiddleware:
    """Last in MIDDLEWARE, so a hit skips only the view: the CSRF cookie, security headers and gzip
    of the middleware above apply to cached responses as to fresh ones."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = settings.DAILYPAPERS_PAGE_CACHE
        self.timeout = settings.DAILYPAPERS_PAGE_CACHE_SECONDS
        self.public_max_age = settings.DAILYPAPERS_PUBLIC_MAX_AGE

    def __call__(self, request):
        member = False
        if not (self.enabled and (cacheable_request(request) or (member := member_cacheable_request(request)))):
            response = self.get_response(request)
            if request.method == "GET" and settings.SESSION_COOKIE_NAME in request.COOKIES and not response.has_header("Cache-Control"):
                patch_cache_control(response, private=True, no_cache=True)  # a member's page is theirs alone
            return response
        request.page_cache_csrf = True  # the member parts rendered per request have the placeholder too
        key = page_key(request, content_version())
        page = local_pages.get(key)
        if page is not None:
            return self.respond(request, page, member=member)
        page = cache.get(key)
        if page is None and not cache.add(f"{key}:rendering", 1, RENDER_LOCK_SECONDS):
            page = self.wait_for(key)
        if page is None:
            try:
                page = self.render_shared(request)
                if isinstance(page, HttpResponse):
                    return page
                cache.set(key, page, self.timeout)
            finally:
                cache.delete(f"{key}:rendering")
        # Kept here no longer than the shared entry could be (its TTL ran from when it was stored).
        local_pages.put(key, page, max(0, self.timeout - (time.time() - page.last_modified)))
        return self.respond(request, page, member=member)

    def render_shared(self, request) -> CachedPage | HttpResponse:
        """The page as an anonymous reader gets it, with the token placeholder and the personal
        parts' markers (a member's miss renders it so too: what is cached is everyone's). A response
        that cannot be stored is returned as it is, finished for this reader."""
        from django.contrib.auth.models import AnonymousUser  # not at import: the rooms import this package while apps load

        request.page_cache_slots = recorded = []
        reader = request.__dict__.get("user")
        request.user = AnonymousUser()
        try:
            response = self.get_response(request)
        finally:
            if reader is None:
                del request.user
            else:
                request.user = reader
            del request.page_cache_slots
        if not response.streaming:
            body, slots = resolve_slots(response.content, recorded)
            if not storable(request, response):
                if slots:
                    response.content = personal_body(request, CachedPage(response.status_code, [], body, 0, slots))[0]
                substitute_token(request, response)
                return response
            headers = [(k, v) for k, v in response.items() if k.lower() not in _SKIPPED_HEADERS]
            return CachedPage(response.status_code, headers, body, int(time.time()), slots)
        substitute_token(request, response)
        return response

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

    def respond(self, request, page: CachedPage, *, member: bool = False):
        body, etag = page.body, page.etag
        if member:
            body, etag = personal_body(request, page)
        response = HttpResponse(body, status=page.status)
        for name, value in page.headers:
            response[name] = value
        response["ETag"] = etag
        response["Last-Modified"] = http_date(page.last_modified)
        if page.has_token or member:
            patch_cache_control(response, private=True, no_cache=True)
        else:
            patch_cache_control(response, public=True, max_age=self.public_max_age, must_revalidate=self.public_max_age == 0)
        patch_vary_headers(response, ("Cookie", "HX-Request", "HX-Target"))
        conditional = get_conditional_response(request, etag=etag, last_modified=page.last_modified, response=response)
        if conditional is not response:
            return conditional
        substitute_token(request, response)
        return response
