"""Validate records in worker processes while this process writes them (the snapshot bootstrap).

Decoding, validating, normalizing and hashing a snapshot record costs about what writing it
does, and none of it needs the database, so worker processes do it on blocks of raw lines while
the main process (the only one that writes) inserts the previous blocks. Results come back in
input order, so locations, "later duplicate wins" and checkpoints behave exactly as in one
process; a bounded number of blocks is in flight, so memory stays bounded whatever the file size.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import pickle
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

WORKER_NICENESS = 10
Chunk = TypeVar("Chunk")
Result = TypeVar("Result")


def default_workers() -> int:
    """Worker processes for this machine: one per core, the writer sharing a core with them.

    Validation costs about what writing does (~90 µs a snapshot record each, measured), so the
    split needs every core; on a machine whose cores are busy with other work, fewer can be faster.
    """
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def map_in_workers(
    work: Callable[[Chunk], list[Result]], chunks: Iterable[Chunk], workers: int
) -> Iterator[Result]:
    """Yield ``work(chunk)``'s results for every chunk, in order, computed by ``workers`` processes.

    ``workers=0``, or a platform without ``fork``, runs ``work`` here instead: same results.
    ``work`` must be a module-level function needing no database connection.
    """
    if workers <= 0 or "fork" not in multiprocessing.get_all_start_methods():
        for chunk in chunks:
            yield from work(chunk)
        return
    # fork: workers inherit the configured Django and loaded modules, and start in milliseconds.
    # Workers run at a lower priority: the one writer is the pipeline's serial stage, and with
    # equal shares it got only two thirds of a core while both workers were busy (measured: an
    # import ~13% faster on 2 cores with nice 10); the workers still get every cycle it leaves.
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("fork"), initializer=os.nice, initargs=(WORKER_NICENESS,)
    )
    pending: deque[Future] = deque()
    # Blocks in flight: while this process writes a batch (it consumes nothing meanwhile), the
    # workers must still have queued blocks to validate, or they idle. Measured: 2 blocks a worker
    # left them starved a tenth of the time. The bound keeps memory to a few dozen MB.
    max_pending = 4 * workers + 2
    try:
        for chunk in chunks:
            pending.append(pool.submit(_pickled, work, chunk))
            if len(pending) >= max_pending:  # consume only with the queue full, so it stays full
                yield from pickle.loads(pending.popleft().result())
        while pending:
            yield from pickle.loads(pending.popleft().result())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _pickled(work: Callable[[Chunk], list[Result]], chunk: Chunk) -> bytes:
    """``work(chunk)``, pickled here without the memo: results hold no cycles, and skipping the
    memo makes pickling a third cheaper for a block of records (the executor then only copies bytes)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(work(chunk))
    return buffer.getvalue()
