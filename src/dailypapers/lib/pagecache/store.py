"""What the page cache keeps: the content version its keys carry, the stored page, this process's copies."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "dailypapers:content-version"
# Stands for the reader's CSRF token in cached bodies; letters only, so no template escapes it.
CSRF_PLACEHOLDER = "DailyPapersCsrfTokenPlaceholderXq7Zk"
PLACEHOLDER_BYTES = CSRF_PLACEHOLDER.encode()
MAX_CACHED_BYTES = 4 * 1024 * 1024
# Each web process keeps its recent pages in memory too (LocalPages), up to this many bytes.
LOCAL_PAGES_BYTES = 32 * 1024 * 1024


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
        self.has_token = PLACEHOLDER_BYTES in body
        self.etag = etag_of(body)

    def __getstate__(self):
        return {name: getattr(self, name) for name in self.__slots__}

    def __setstate__(self, state):
        self.slots = ()
        for name, value in state.items():
            setattr(self, name, value)


def etag_of(body: bytes) -> str:
    return f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'


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
