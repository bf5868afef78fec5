"""A Django cache in its own SQLite file: shared by every process of the embedded site.

The embedded default runs several web processes and a worker on one machine. A per-process memory
cache would let one process serve a page another has already invalidated; Django's DatabaseCache goes
through the main database (and its write lock) and its ``incr`` is a read then a write. This one keeps
its own WAL file in the data directory, so reads never wait for writers, and every operation is one
statement: ``incr`` is an atomic ``UPDATE … RETURNING``, ``add`` an ``INSERT … ON CONFLICT`` that
only replaces an expired row.

Integers are stored as SQLite integers (so ``incr`` can add in place); everything else is pickled.
A failing store (a full disk) is a miss, not an error (``lib.tolerant_cache``).
"""

from __future__ import annotations

import os
import pickle
import random
import sqlite3
import threading
import time
from pathlib import Path

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

from dailypapers.lib.tolerant_cache import MissOnError

SCHEMA = "CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value BLOB, expires REAL) WITHOUT ROWID"
# One set in this many trims the table: expired rows first, then the soonest to expire.
CULL_EVERY = 200


def _encode(value):
    if type(value) is int:
        return value
    return sqlite3.Binary(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))


def _decode(value):
    return value if type(value) is int else pickle.loads(value)


class SQLiteStore(BaseCache):
    """``LOCATION``: the SQLite file (created on first use). Connections are per thread and per process."""

    def __init__(self, location, params):
        super().__init__(params)
        self.path = Path(location)
        self._local = threading.local()

    @property
    def _db(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():  # a forked child must not share its parent's handle
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(SCHEMA)
            local.conn, local.pid = conn, os.getpid()
        return local.conn

    def _expiry(self, timeout):
        return self.get_backend_timeout(timeout)  # absolute time, or None for "never"

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        row = self._db.execute("SELECT value, expires FROM cache WHERE key = ?", (key,)).fetchone()
        if row is None or (row[1] is not None and row[1] <= time.time()):
            return default
        return _decode(row[0])

    def get_many(self, keys, version=None):
        made = {self.make_and_validate_key(k, version=version): k for k in keys}
        if not made:
            return {}
        marks = ",".join("?" * len(made))
        now = time.time()
        rows = self._db.execute(f"SELECT key, value, expires FROM cache WHERE key IN ({marks})", list(made)).fetchall()
        return {made[k]: _decode(v) for k, v, expires in rows if expires is None or expires > now}

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        self._db.execute("INSERT OR REPLACE INTO cache (key, value, expires) VALUES (?, ?, ?)", (key, _encode(value), self._expiry(timeout)))
        if random.randrange(CULL_EVERY) == 0:
            self._cull()

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        cursor = self._db.execute(
            "INSERT INTO cache (key, value, expires) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
            "value = excluded.value, expires = excluded.expires WHERE cache.expires IS NOT NULL AND cache.expires <= ?",
            (key, _encode(value), self._expiry(timeout), time.time()),
        )
        return cursor.rowcount > 0

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        cursor = self._db.execute(
            "UPDATE cache SET expires = ? WHERE key = ? AND (expires IS NULL OR expires > ?)", (self._expiry(timeout), key, time.time())
        )
        return cursor.rowcount > 0

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        row = self._db.execute(
            "UPDATE cache SET value = value + ? WHERE key = ? AND typeof(value) = 'integer' AND (expires IS NULL OR expires > ?) "
            "RETURNING value",
            (delta, key, time.time()),
        ).fetchone()
        if row is None:
            raise ValueError(f"Key '{key}' not found")
        return row[0]

    def delete(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._db.execute("DELETE FROM cache WHERE key = ?", (key,)).rowcount > 0

    def has_key(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        row = self._db.execute("SELECT 1 FROM cache WHERE key = ? AND (expires IS NULL OR expires > ?)", (key, time.time())).fetchone()
        return row is not None

    def clear(self):
        self._db.execute("DELETE FROM cache")

    def _cull(self):
        db = self._db
        db.execute("DELETE FROM cache WHERE expires IS NOT NULL AND expires <= ?", (time.time(),))
        (count,) = db.execute("SELECT count(*) FROM cache").fetchone()
        if count > self._max_entries:
            excess = count - self._max_entries + count // self._cull_frequency
            # Rows that never expire (counters such as the content version) are kept.
            db.execute(
                "DELETE FROM cache WHERE key IN (SELECT key FROM cache WHERE expires IS NOT NULL ORDER BY expires LIMIT ?)", (excess,)
            )

    def close(self, **kwargs):
        # Connections are kept for the thread's life: opening one costs more than most requests.
        pass


class SQLiteCache(MissOnError, SQLiteStore):
    """The site's cache backend: the store, failing soft (a full disk is a miss)."""
