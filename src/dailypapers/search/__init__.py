"""Search: lexical + semantic hybrid retrieval, similar papers and index upkeep.

Everything outside this room calls :func:`get_backend` and the :class:`SearchBackend` methods only.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.utils.module_loading import import_string

from dailypapers.search.backends.base import (  # noqa: F401  (re-exported for callers)
    SearchBackend,
    SearchFilters,
    SearchHit,
    SearchQuery,
    SearchResults,
)

_backend: SearchBackend | None = None
_lock = threading.Lock()


def get_backend() -> SearchBackend:
    """The configured backend (``DAILYPAPERS_SEARCH_BACKEND``), one per process."""
    global _backend
    if _backend is None:
        with _lock:
            if _backend is None:
                _backend = import_string(settings.DAILYPAPERS_SEARCH_BACKEND)()
    return _backend


def reset_backend() -> None:
    """Forget the process's backend (tests that swap data directories; after a rebuild)."""
    global _backend
    with _lock:
        if _backend is not None:
            _backend.close()
        _backend = None
