"""SQLite bulk-load mode, for the snapshot bootstrap: relaxed settings and deferred indexes.

Two things make a 3M-paper import into SQLite slow, and both are only worth undoing for a bulk
load:

- per-commit durability and per-row checks (``BULK_LOAD_PRAGMAS``);
- secondary indexes updated row by row at random places. ``Authorship.author`` gets ~18M
  inserts from a full snapshot, each at a random author, and once that index outgrows the page
  cache every batch dirties pages all over it: measured, the import's SQLite time per record
  doubled between 0 and 1M papers with it in place and stayed flat without it, and building it
  afterwards cost a quarter of what that saved. ``Author.normalized_name`` likewise gets an
  insert at a random name for each of the ~1.7M new authors; the writer only looks authors up
  by that index once its cache of them is incomplete (past ``MAX_CACHED_AUTHORS``), and it then
  builds the author indexes first (``restore_deferred_indexes(table=...)``).

The papers' own indexes are not among them. A snapshot lists papers in id order, which for arXiv
is date order, so each of those indexes grows at one edge, or at a few hundred hot places (one per
category): kept up row by row they cost less than building them afterwards, which reads the whole
papers table once per index while the other cores idle (measured at 1M papers: 100 s with them
kept, 112 s with them deferred).

So an import into an empty papers table (``should_defer_indexes``) drops the secondary indexes of
``DEFERRABLE_TABLES`` and builds them again at the end (``deferred_indexes``). Each dropped index
is first written down in :class:`~dailypapers.ingest.models.DeferredIndex`, in the same
transaction as the drop, so an import killed before the end leaves a record of what is missing:
re-running the import carries on without them and builds them at its end, and any other ingest
run, ``dailypapers serve`` and ``dailypapers worker`` build them first
(``restore_deferred_indexes``), unless the import that dropped them is still running. Unique
indexes are never dropped: they are constraints.
"""

from __future__ import annotations

import gc
import logging
import os
import time
from collections.abc import Callable
from contextlib import contextmanager, nullcontext

from django.db import connection, transaction

from dailypapers.ingest.models import DeferredIndex
from dailypapers.papers.models import Author, Authorship, Paper

log = logging.getLogger(__name__)

# The tables whose secondary indexes a bootstrap builds at the end (see the module docstring).
# Papers' indexes stay: kept row by row, cheaper.
DEFERRABLE_TABLES = (Authorship, Author)

# For the length of a bulk load. synchronous=OFF keeps every batch atomic if the process dies
# (a killed import leaves no partial paper); what it gives up is durability of the last commits
# if the *machine* loses power mid-import, when the database may need restoring from backup.
BULK_LOAD_PRAGMAS = {
    "synchronous": 0,
    # 64 MB: with the random-access indexes deferred, a 1M-paper import measured as fast as with
    # 256 MB, and pages it drops stay in the OS cache (outside the import's memory).
    "cache_size": -65_536,
    "temp_store": 2,  # temp data in memory
    # Foreign keys are not checked row by row: the writer makes every reference itself (the
    # paper it has just inserted, the author id it has just read or written).
    "foreign_keys": 0,
    # Checkpoint the WAL every ~64 MB instead of every 4 MB: pages dirtied by several batches in
    # between are copied into the database once, not once per batch.
    "wal_autocheckpoint": 16_384,
}
# Building an index sorts every row: spill the sort to temporary files rather than memory (the
# author index of a full snapshot, 18M rows, would not fit the import's memory budget).
INDEX_BUILD_PRAGMAS = {"temp_store": 1, "cache_size": -65_536}


@contextmanager
def pragmas(values: dict[str, int]):
    """Set SQLite pragmas on this connection for the block; restore the previous values after."""
    saved = {}
    with connection.cursor() as cursor:
        for name, value in values.items():
            cursor.execute(f"PRAGMA {name}")
            saved[name] = int(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA {name} = {int(value)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in saved.items():
                cursor.execute(f"PRAGMA {name} = {value}")


@contextmanager
def fewer_gc_passes():
    """Let the cyclic garbage collector run ~100x less often for the block.

    A bulk load allocates tens of millions of short-lived tuples and strings (freed by reference
    counting: the pipeline makes no cycles), and every 700 allocations the collector would walk the
    young ones, and now and then everything alive, the author cache included: measured, a fifth of
    the time spent decoding records sent by worker processes. Objects alive before the block
    (Django, its apps) are frozen out of collection altogether.
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def should_defer_indexes() -> bool:
    """True for a bootstrap: the papers table is empty, or an earlier bootstrap was cut short."""
    return connection.vendor == "sqlite" and (DeferredIndex.objects.exists() or not Paper.objects.exists())


def drop_secondary_indexes() -> list[str]:
    """Drop the non-unique indexes of ``DEFERRABLE_TABLES``, recording each; return their names."""
    tables = [model._meta.db_table for model in DEFERRABLE_TABLES]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            f" AND tbl_name IN ({', '.join(['%s'] * len(tables))}) ORDER BY name",
            tables,
        )
        indexes = [(name, table, sql) for name, table, sql in cursor.fetchall() if not _is_unique(sql)]
        DeferredIndex.objects.bulk_create(
            [DeferredIndex(name=name, table=table, sql=sql) for name, table, sql in indexes], ignore_conflicts=True
        )
        for name, _, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        # This import owns them now, those a cut-short earlier one dropped included.
        DeferredIndex.objects.update(pid=os.getpid())
    return [name for name, _, _ in indexes]


def restore_deferred_indexes(on_progress: Callable[[str, float | None], None] | None = None, *, table: str = "") -> int:
    """Build every index a bulk load deferred (only ``table``'s, if given); return how many.

    Safe to call at any time. Without ``table`` it does nothing inside a transaction (a caller's
    transaction should not hold the write lock for minutes); with one it builds there too, for the
    bulk load's own writer when it needs an index mid-batch. ``on_progress(name, None)`` is called
    before each index is built, ``on_progress(name, seconds)`` after.
    """
    if connection.vendor != "sqlite" or (connection.in_atomic_block and not table):
        return 0
    deferred = DeferredIndex.objects.filter(table=table) if table else DeferredIndex.objects.all()
    pending = [index for index in deferred.order_by("name") if not _owned_by_another_live_process(index)]
    if not pending:
        return 0
    log.info("building %d deferred index(es): %s", len(pending), ", ".join(p.name for p in pending))
    # Pragmas cannot change inside a transaction: there the bulk load's own apply (temp data in memory).
    with nullcontext() if connection.in_atomic_block else pragmas(INDEX_BUILD_PRAGMAS):
        for index in pending:
            if on_progress:
                on_progress(index.name, None)
            start = time.monotonic()
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(_if_not_exists(index.sql))
                DeferredIndex.objects.filter(pk=index.pk).delete()
            if on_progress:
                on_progress(index.name, time.monotonic() - start)
    return len(pending)


@contextmanager
def deferred_indexes(on_progress: Callable[[str, float | None], None] | None = None):
    """Drop the deferrable indexes for the block and build them again after it, however it ends.

    If the process is killed inside the block, the indexes stay recorded as deferred (see the
    module docstring); an interrupt during the final build leaves the rest recorded likewise.
    """
    drop_secondary_indexes()
    try:
        yield
    finally:
        restore_deferred_indexes(on_progress)


def _owned_by_another_live_process(index: DeferredIndex) -> bool:
    if not index.pid or index.pid == os.getpid():
        return False
    try:
        os.kill(index.pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, under another user
        return True
    return True


def _is_unique(sql: str) -> bool:
    return sql.lstrip().upper().startswith("CREATE UNIQUE")


def _if_not_exists(sql: str) -> str:
    head, sep, rest = sql.partition("INDEX")
    if not sep or rest.lstrip().upper().startswith("IF NOT EXISTS"):
        return sql
    return f"{head}INDEX IF NOT EXISTS{rest}"
