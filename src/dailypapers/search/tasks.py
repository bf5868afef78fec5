"""Background work of the search room, run by ``dailypapers worker``.

Only :func:`dailypapers.search.get_backend` and the :class:`SearchBackend` interface: every backend
keeps its index in step the same way.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django_tasks import task

from dailypapers.search import get_backend

log = logging.getLogger(__name__)


def enqueue_unless_queued(queued_task) -> None:
    """Enqueue ``queued_task`` unless a run of it is already waiting (one is enough)."""
    from django_tasks_db.models import DBTaskResult

    if not DBTaskResult.objects.ready().filter(task_path=queued_task.module_path).exists():
        queued_task.enqueue()


@task()
def update_search_index() -> dict:
    """Index papers queued by ``papers_changed``, then embed some of the backlog."""
    backend = get_backend()
    return _index_and_embed(backend, backend.ensure_consistent())


@task()
def rebuild_search_index() -> dict:
    """Rebuild the index from every paper, then as ``update_search_index``: after a bulk load.

    A bulk load (the snapshot bootstrap) queues none of its papers in the outbox, and the count
    check of ``ensure_consistent`` alone could miss a load that adds as many papers as the index
    holds stale ones: so the rebuild is unconditional.
    """
    backend = get_backend()
    backend.rebuild()
    return _index_and_embed(backend, "rebuilt")


def _index_and_embed(backend, consistency: str) -> dict:
    indexed = backend.process_pending_updates()
    embedded = backend.embed_pending(limit=settings.DAILYPAPERS_EMBED_PER_TASK)
    remaining = _enqueue_backlog_if_needed(backend)
    log.info("search index: %s, indexed %d, embedded %d, %d left to embed", consistency, indexed, embedded, remaining)
    return {"consistency": consistency, "indexed": indexed, "embedded": embedded, "remaining": remaining}


@task()
def embed_backlog() -> dict:
    """Embed the next slice of papers without vectors (newest first) and re-enqueue while any remain.

    Each run is bounded (``DAILYPAPERS_EMBED_PER_TASK``) so that other tasks get the worker in
    between; on a CPU the full arXiv back catalogue takes days this way, a GPU hours.
    """
    backend = get_backend()
    embedded = backend.embed_pending(limit=settings.DAILYPAPERS_EMBED_PER_TASK)
    return {"embedded": embedded, "remaining": _enqueue_backlog_if_needed(backend)}


def _enqueue_backlog_if_needed(backend) -> int:
    if not settings.DAILYPAPERS_EMBED_BACKLOG:
        return 0
    remaining = backend.pending_counts().embed_backlog
    if remaining:
        enqueue_unless_queued(embed_backlog)
    return remaining
