"""Background work of the search room, run by ``dailypapers worker``."""

from __future__ import annotations

import logging

from django.conf import settings
from django_tasks import task

log = logging.getLogger(__name__)


def _local_backend():
    from dailypapers.search import get_backend

    backend = get_backend()
    return backend if hasattr(backend, "process_pending_updates") else None


@task()
def update_search_index() -> dict:
    """Index papers queued by ``papers_changed``, then embed some of the backlog."""
    backend = _local_backend()
    if backend is None:
        return {}
    return _index_and_embed(backend, backend.ensure_consistent())


@task()
def rebuild_search_index() -> dict:
    """Rebuild the index from every paper, then as ``update_search_index``: after a bulk load.

    A bulk load (the snapshot bootstrap) queues none of its papers in the outbox, and the count
    check of ``ensure_consistent`` alone could miss a load that adds as many papers as the index
    holds stale ones: so the rebuild is unconditional.
    """
    backend = _local_backend()
    if backend is None:
        return {}
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
    backend = _local_backend()
    if backend is None:
        return {}
    embedded = backend.embed_pending(limit=settings.DAILYPAPERS_EMBED_PER_TASK)
    return {"embedded": embedded, "remaining": _enqueue_backlog_if_needed(backend)}


def _enqueue_backlog_if_needed(backend) -> int:
    from django_tasks_db.models import DBTaskResult

    from dailypapers.search.backends.local import unembedded_papers

    if not settings.DAILYPAPERS_EMBED_BACKLOG:
        return 0
    remaining = unembedded_papers().count()
    if remaining and not DBTaskResult.objects.ready().filter(task_path=embed_backlog.module_path).exists():
        embed_backlog.enqueue()
    return remaining
