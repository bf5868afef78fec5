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

Members get the same cached page with their few personal bits put in (``personal_body``). A page
rendered for the cache is rendered as for an anonymous reader, and each personal part leaves a
marker behind (``{% load pagecache %}``):

- ``{% card_flag paper "voted" %}...{% endcard_flag %}`` renders its content twice, with
  ``paper.voted`` false (what anonymous readers get) and true; a member's response takes the true
  version for the papers the flag holds for, asked with one query for the whole page
  (``register_card_flag``: the rooms register each flag and its query in ``AppConfig.ready``).
- ``{% member_part "_member_nav.html" %}`` is a template that needs only the request (the header's
  member menu) and the plain values given to the tag; a member's response renders it for them.

Only pages whose whole difference between readers is such parts are served to members this way
(``MEMBER_PATH``); the paper page, whose comment thread offers each member their own forms, is not,
nor an organization's page (its membership section is the member's own: join, leave, requests to decide).

A shared module: it imports no room.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from django import template
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.safestring import mark_safe

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
# A member's private feeds (/feeds/me/<token>) too: revoking their links must stop them at once.
NOT_CACHEABLE_PATH = re.compile(r"search|suggest|/submit|/upvote|^/api/v1/(?:me|collections|submissions)|^/feeds/me/")
# The cacheable paths a member is served from the cache too (with their personal parts put in):
# those whose only differences between readers are card flags and member parts.
MEMBER_PATH = re.compile(
    r"^/(?:"
    r"|papers/?|papers/(?:date|week|month)/[^/]+|papers/trending"
    r"|about/ranking"
    r"|feeds/.+"
    r")\Z"
)
# Where a personal part stands in a body rendered for the cache; tags only, so nothing escaped can look like it.
SLOT_MARK = "<!--DailyPapersSlotXq7Zk:{}-->"
_SLOT = re.compile(rb"<!--DailyPapersSlotXq7Zk:(\d+)-->")
MAX_CACHED_BYTES = 4 * 1024 * 1024
# Each web process keeps its recent pages in memory too (LocalPages), up to this many bytes.
LOCAL_PAGES_BYTES = 32 * 1024 * 1024
# Single flight: the first miss renders, later ones wait up to RENDER_WAIT_SECONDS for its result.
RENDER_LOCK_SECONDS = 10
# As long as the lock: on an overloaded machine a render can take seconds, and waiters that give up
# render too, all at once, which is what made the seconds (a 2.2 s p99 on the 100k-paper day page).
RENDER_WAIT_SECONDS = float(RENDER_LOCK_SECONDS)
# Headers of a stored response that belong to it, not to one reader or to the cache layer.
_SKIPPED_HEADERS = {"set-cookie", "vary", "cache-control", "etag", "last-modified", "expires", "content-length"}
_ALLOWED_VARY = {"cookie", "accept-encoding", "hx-request", "hx-target"}


# name -> ids_for(user, ids) -> the ids among ``ids`` the flag holds for that member (one query).
CARD_FLAGS: dict[str, Callable] = {}


def register_card_flag(name: str, ids_for: Callable) -> None:
    """A yes/no per card that differs per member (``voted``; ``saved``): the rooms register each one
    in ``AppConfig.ready``, and wrap its markup in ``{% card_flag obj "name" %}``."""
    CARD_FLAGS[name] = ids_for


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


def _cacheable_read(request) -> bool:
    return (
        request.method == "GET"
        and getattr(settings, "MESSAGE_COOKIE_NAME", "messages") not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
        and CACHEABLE_PATH.match(request.path_info) is not None
        and NOT_CACHEABLE_PATH.search(request.path_info) is None
    )


def cacheable_request(request) -> bool:
    """Anonymous GETs of the read paths: no session, no pending messages, no API token."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and _cacheable_read(request)


def member_cacheable_request(request) -> bool:
    """GETs with a session of the paths whose personal bits are all card flags and member parts,
    with no messages waiting to be shown (they would have to be in the page)."""
    if not (settings.SESSION_COOKIE_NAME in request.COOKIES and _cacheable_read(request)
            and MEMBER_PATH.match(request.path_info) is not None):
        return False
    messages = getattr(request, "_messages", None)
    return messages is None or len(messages) == 0


def page_key(request, version: int) -> str:
    what = "\n".join([
        request.scheme, request.get_host(), request.headers.get("HX-Request", ""), request.headers.get("HX-Target", ""),
        request.get_full_path(),
    ])
    return f"dailypapers:page:{version}:{hashlib.md5(what.encode(), usedforsecurity=False).hexdigest()}"


class CachedPage:
    """What is stored: the anonymous body with the placeholder, its headers, the validators, and
    where the personal parts stand in the body: ``(start, end, kind, name, key, member_version)``,
    kind "flag" (member_version: the bytes for a member the flag holds for) or "part"."""

    __slots__ = ("status", "headers", "body", "etag", "last_modified", "has_token", "slots")

    def __init__(self, status, headers, body, last_modified, slots=()):
        self.status, self.headers, self.body, self.last_modified, self.slots = status, headers, body, last_modified, slots
        self.has_token = _PLACEHOLDER_BYTES in body
        self.etag = _etag(body)

    def __getstate__(self):
        return {name: getattr(self, name) for name in self.__slots__}

    def __setstate__(self, state):
        self.slots = ()
        for name, value in state.items():
            setattr(self, name, value)


def _etag(body: bytes) -> str:
    return f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'


def resolve_slots(body: bytes, recorded: list) -> tuple[bytes, tuple]:
    """The anonymous body (each marker replaced by its part's anonymous version) and the slots."""
    out, slots, pos = bytearray(), [], 0
    for match in _SLOT.finditer(body):
        index = int(match.group(1))
        if index >= len(recorded):
            continue
        kind, name, key, anonymous, member = recorded[index]
        out += body[pos:match.start()]
        start = len(out)
        out += anonymous.encode()
        slots.append((start, len(out), kind, name, key, member.encode() if member is not None else None))
        pos = match.end()
    if not slots:
        return body, ()
    out += body[pos:]
    return bytes(out), tuple(slots)


def personal_body(request, page: CachedPage) -> tuple[bytes, str]:
    """The page for ``request.user`` and its ETag: each card flag's member version where it holds
    for them (one query per flag for the whole page), each member part rendered for them. The ETag
    digests the cached page's and what was put in (not the ~100 kB result: a member gets this on
    every request)."""
    if not page.slots:
        return page.body, page.etag
    keys: dict[str, list] = {}
    for _start, _end, kind, name, key, _member in page.slots:
        if kind == "flag":
            keys.setdefault(name, []).append(key)
    held = {name: CARD_FLAGS[name](request.user, ids) if name in CARD_FLAGS else set() for name, ids in keys.items()}
    parts: dict[str, bytes] = {}
    out, pos = [], 0
    digest = hashlib.md5(page.etag.encode(), usedforsecurity=False)
    for index, (start, end, kind, name, key, member) in enumerate(page.slots):
        if kind == "flag":
            if key not in held[name]:
                continue
            replacement = member
        else:
            if key is not None:
                replacement = get_template(name).render(key, request).encode()
            else:
                if name not in parts:
                    parts[name] = get_template(name).render(None, request).encode()
                replacement = parts[name]
        digest.update(b"\0%d\0" % index)
        digest.update(replacement)
        out.append(page.body[pos:start])
        out.append(replacement)
        pos = end
    if not out:
        return page.body, page.etag
    out.append(page.body[pos:])
    return b"".join(out), f'"{digest.hexdigest()}"'


class LocalPages:
    """This process's copies of recently served pages, in front of the shared cache. A key holds
    the content version, so what it names never changes: a copy is as good as the shared entry
    until the same TTL. Saves a hit the shared cache's read and unpickling of a ~100 kB body (and
    the SQLite cache's readers contending for its file)."""

    def __init__(self, max_bytes: int):
        self.max_bytes, self.size = max_bytes, 0
        self.pages: OrderedDict[str, tuple[float, CachedPage, int]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> CachedPage | None:
        with self.lock:
            found = self.pages.get(key)
            if found is None:
                return None
            if found[0] < time.monotonic():
                self._drop(key)
                return None
            self.pages.move_to_end(key)
            return found[1]

    def put(self, key: str, page: CachedPage, timeout: float) -> None:
        cost = len(page.body) + sum(len(slot[5] or b"") for slot in page.slots)
        with self.lock:
            if key in self.pages:
                self._drop(key)
            self.pages[key] = (time.monotonic() + timeout, page, cost)
            self.size += cost
            while self.size > self.max_bytes and self.pages:
                self._drop(next(iter(self.pages)))

    def _drop(self, key: str) -> None:
        self.size -= self.pages.pop(key)[2]

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()
            self.size = 0


local_pages = LocalPages(LOCAL_PAGES_BYTES)


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
        from django.contrib.auth.models import AnonymousUser  # not at import: the rooms import this module while apps load

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


_SLOT_TEXT = re.compile(r"<!--DailyPapersSlotXq7Zk:(\d+)-->")


def rendering_for_cache(request) -> bool:
    """Whether this request's page is being rendered for the cache (placeholder token, slot markers)."""
    return getattr(request, "page_cache_slots", None) is not None


def render_fragment(request, render: Callable[[], str]) -> tuple[str, tuple]:
    """A fragment of a page rendered for the cache, with its personal parts numbered from 0: a
    fragment kept for reuse (a card) can go into another page with ``place_fragment``."""
    page_slots = request.page_cache_slots
    request.page_cache_slots = own = []
    try:
        return render(), tuple(own)
    finally:
        request.page_cache_slots = page_slots


def place_fragment(request, html: str, slots: tuple) -> str:
    """``html`` from ``render_fragment``, its markers renumbered after the page's own."""
    if not slots:
        return html
    page_slots = request.page_cache_slots
    offset = len(page_slots)
    page_slots.extend(slots)
    return mark_safe(_SLOT_TEXT.sub(lambda m: SLOT_MARK.format(offset + int(m.group(1))), html))  # noqa: S308 - our markers in our html


# ``{% load pagecache %}``: the personal parts of pages (see the module docstring).
register = template.Library()


def _recorded_slots(context) -> list | None:
    """The slots of a page being rendered for the cache; None when rendering for one reader."""
    return getattr(context.get("request"), "page_cache_slots", None)


class CardFlagNode(template.Node):
    def __init__(self, obj, flag, nodelist):
        self.obj, self.flag, self.nodelist = obj, flag, nodelist

    def render(self, context):
        slots = _recorded_slots(context)
        if slots is None:
            return self.nodelist.render(context)
        obj, flag = self.obj.resolve(context), self.flag.resolve(context)
        before = obj.__dict__.get(flag, _MISSING)
        try:
            setattr(obj, flag, False)
            anonymous = self.nodelist.render(context)
            setattr(obj, flag, True)
            member = self.nodelist.render(context)
        finally:
            if before is _MISSING:
                obj.__dict__.pop(flag, None)
            else:
                setattr(obj, flag, before)
        slots.append(("flag", flag, obj.pk, anonymous, member))
        return mark_safe(SLOT_MARK.format(len(slots) - 1))  # noqa: S308 - our own marker, no reader text


_MISSING = object()


@register.tag
def card_flag(parser, token):
    """``{% card_flag paper "voted" %}<markup reading paper.voted>{% endcard_flag %}``."""
    bits = token.split_contents()
    if len(bits) != 3:
        raise template.TemplateSyntaxError("card_flag takes an object and a flag name")
    nodelist = parser.parse(("endcard_flag",))
    parser.delete_first_token()
    return CardFlagNode(parser.compile_filter(bits[1]), parser.compile_filter(bits[2]), nodelist)


@register.simple_tag(takes_context=True)
def member_part(context, template_name: str, **values):
    """``{% member_part "_member_nav.html" %}``: include a template that needs only the request (the
    reader's user, the CSRF token, the return path) and the ``values`` given (plain values: they are
    stored with the page); for a member it is rendered per request."""
    template_ = context.template.engine.get_template(template_name)
    with context.push(**values):
        html = template_.render(context)
    slots = _recorded_slots(context)
    if slots is None:
        return html
    slots.append(("part", template_name, values or None, str(html), None))
    return mark_safe(SLOT_MARK.format(len(slots) - 1))  # noqa: S308 - our own marker, no reader text
