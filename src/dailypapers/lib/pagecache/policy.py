"""Which pages are cached: the view says so (``@cached_page``), the middleware asks ``page_policy``."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.urls import Resolver404, get_resolver, get_urlconf


@dataclass(frozen=True)
class PagePolicy:
    """``members``: members are served the cached page too, their personal parts put in; only for
    pages whose whole difference between readers is card flags and member parts."""

    members: bool = False


ATTRIBUTE = "page_cache"


def cached_page(view=None, *, members: bool = False):
    """Serve this read view's GETs from the page cache (anonymous readers; members too with
    ``members=True``). On a function view, a class-based view's ``as_view()`` result, a syndication
    ``Feed`` class (its subclasses inherit it) or a django-ninja operation (below its ``@router.get``).
    The view is returned as it is, marked: nothing runs per request but the middleware's lookup."""

    def mark(target):
        setattr(target, ATTRIBUTE, PagePolicy(members=members))
        return target

    return mark if view is None else mark(view)


def _ninja_path_view(func):
    """django-ninja routes every method of one path through one function closing over its PathView."""
    code, cells = getattr(func, "__code__", None), getattr(func, "__closure__", None)
    if code is None or not cells:
        return None
    for name, cell in zip(code.co_freevars, cells):
        if name == "self" and hasattr(cell.cell_contents, "operations"):
            return cell.cell_contents
    return None


def view_policy(func, method: str) -> PagePolicy | None:
    policy = getattr(func, ATTRIBUTE, None)
    if policy is None and (path_view := _ninja_path_view(func)) is not None:
        for operation in path_view.operations:
            if method in operation.methods:
                return getattr(operation.view_func, ATTRIBUTE, None)
    return policy


@functools.lru_cache(maxsize=8192)
def _path_policy(urlconf: str | None, path: str, method: str) -> PagePolicy | None:
    # Remembered per path: resolving walks the URLconf (23-76 µs here, 2-core EPYC), on every hit otherwise; the
    # views and their marks do not change while the process runs.
    try:
        match = get_resolver(urlconf).resolve(path)
    except Resolver404:
        return None
    return view_policy(match.func, method)


# Longer paths (only odd ones are) are resolved each time rather than kept.
REMEMBERED_PATH_CHARS = 256


def page_policy(request) -> PagePolicy | None:
    """The policy of the view ``request`` resolves to; None when it is not cached."""
    urlconf, path = getattr(request, "urlconf", None) or get_urlconf(), request.path_info
    if len(path) > REMEMBERED_PATH_CHARS:
        return _path_policy.__wrapped__(urlconf, path, request.method)
    return _path_policy(urlconf, path, request.method)
