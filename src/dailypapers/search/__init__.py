"""Search: lexical + semantic hybrid retrieval, similar papers and index upkeep.

Other rooms import only from here: :func:`get_backend` and the :class:`SearchBackend` methods,
the query types and limits, the request-parameter readers (``search.params``) and the services
that turn hits into papers (``search.services``).
"""

from __future__ import annotations

import threading
from importlib import import_module

from django.conf import settings
from django.utils.module_loading import import_string

from dailypapers.search.backends.base import (  # noqa: F401  (re-exported for callers)
    MAX_LIMIT,
    MAX_OFFSET,
    MAX_QUERY_CHARS,
    MODES,
    MonthlyCounts,
    PendingCounts,
    SearchBackend,
    SearchFilters,
    SearchHit,
    SearchQuery,
    SearchResults,
)

# Loaded on first use: these modules need the app registry, which is not ready yet when Django
# imports this package to load the app.
_LAZY = {
    **{name: "dailypapers.search.services" for name in ("FoundPapers", "find_papers", "papers_for_hits", "similar_papers", "SIMILAR_SORTS")},
    **{name: "dailypapers.search.params" for name in ("InvalidSearch", "SearchParams", "PAGE", "NATIVE_API", "HF_API", "FEED")},
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *_LAZY})

_backend: SearchBackend | None = None
_lock = threading.Lock()


BACKEND_NAMES = {
    "local": "dailypapers.search.backends.local.LocalSearchBackend",
    "postgres": "dailypapers.search.backends.postgres.PostgresSearchBackend",
}


def backend_path(setting: str) -> str:
    """The class path ``DAILYPAPERS_SEARCH_BACKEND`` names: "auto" is the PostgreSQL backend on a
    PostgreSQL database (its index lives in the database, shared by every host) and the embedded one
    otherwise; "local" and "postgres" pick one; anything else is a dotted path."""
    from django.db import connection

    if setting == "auto":
        setting = "postgres" if connection.vendor == "postgresql" else "local"
    return BACKEND_NAMES.get(setting, setting)


def get_backend() -> SearchBackend:
    """The configured backend (``DAILYPAPERS_SEARCH_BACKEND``), one per process."""
    global _backend
    if _backend is None:
        with _lock:
            if _backend is None:
                _backend = import_string(backend_path(settings.DAILYPAPERS_SEARCH_BACKEND))()
    return _backend


def reset_backend() -> None:
    """Forget the process's backend (tests that swap data directories; after a rebuild)."""
    global _backend
    with _lock:
        if _backend is not None:
            _backend.close()
        _backend = None
