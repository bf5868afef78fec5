"""What ``/readyz`` checks: whether this process can serve the site now.

Each check returns ``(ok, detail)``. A load balancer probes every few seconds, so every check is
cheap: one query, the migration graph (read from disk once per process), one cache round trip;
the search backend's status (which counts rows) is kept for :data:`SEARCH_OK_SECONDS` once it
answered, and migrations found applied are not looked at again by this process.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

SEARCH_OK_SECONDS = 30.0

_search_ok_at = -SEARCH_OK_SECONDS
_migrations_applied = False
_search_lock = threading.Lock()


def check_database() -> tuple[bool, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return True, connection.vendor


def check_migrations() -> tuple[bool, str]:
    global _migrations_applied
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    if _migrations_applied:
        return True, "all applied"
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _backwards in pending[:5])
        return False, f"{len(pending)} unapplied: {names}"
    # This process's migrations, once applied, stay applied (nothing rolls a live site back), so the
    # graph is not built again on every probe.
    _migrations_applied = True
    return True, "all applied"


def check_search() -> tuple[bool, str]:
    global _search_ok_at
    from dailypapers.search import get_backend

    if time.monotonic() - _search_ok_at < SEARCH_OK_SECONDS:
        return True, "ready"
    with _search_lock:
        status = get_backend().status()
        _search_ok_at = time.monotonic()
    return True, str(status.get("backend", "ready"))


def check_cache() -> tuple[bool, str]:
    from django.core.cache import cache, caches

    key, value = "dailypapers:readyz", uuid.uuid4().hex
    cache.set(key, value, timeout=30)
    if cache.get(key) != value:
        from dailypapers.lib.tolerant_cache import recent_failure

        return False, recent_failure() or "a value written was not read back"
    return True, caches["default"].__class__.__name__


CHECKS: dict[str, Callable[[], tuple[bool, str]]] = {
    "database": check_database,
    "migrations": check_migrations,
    "search": check_search,
    "cache": check_cache,
}


def run_checks() -> tuple[bool, dict[str, dict]]:
    """Every check, in order; one that raises fails with the error as its detail. The migrations
    and search checks need the database, so they are not run when it is unreachable."""
    global _search_ok_at
    results: dict[str, dict] = {}
    for name, check in CHECKS.items():
        if name in {"migrations", "search"} and not results.get("database", {}).get("ok", True):
            results[name] = {"ok": False, "detail": "skipped: the database is unreachable"}
            continue
        try:
            ok, detail = check()
        except Exception as exc:
            ok, detail = False, f"{exc.__class__.__name__}: {exc}"[:300]
            if name == "search":
                _search_ok_at = -SEARCH_OK_SECONDS
        results[name] = {"ok": ok, "detail": detail}
    return all(result["ok"] for result in results.values()), results


def forget() -> None:
    """Check everything afresh on the next probe (tests)."""
    global _search_ok_at, _migrations_applied
    _search_ok_at = -SEARCH_OK_SECONDS
    _migrations_applied = False
