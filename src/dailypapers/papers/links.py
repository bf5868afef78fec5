"""URLs of papers and organizations, reversed once: a page of cards asks for hundreds of them,
and after every vote the same cards render again."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, reverse


@lru_cache(maxsize=65536)
def _reverse(prefix: str, urlconf: str, name: str, args: tuple[str, ...]) -> str:
    return reverse(name, urlconf=urlconf, args=list(args))


def cached_reverse(name: str, *args: str) -> str:
    """``reverse(name, args=args)``, remembered per script prefix and URLconf (which do not change
    while a process runs; no view here sets a per-request ``request.urlconf``). An argument the URL
    refuses raises NoReverseMatch each time, as reverse does."""
    return _reverse(get_script_prefix(), settings.ROOT_URLCONF, name, tuple(map(str, args)))
