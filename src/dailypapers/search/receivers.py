"""Keeps the search index in step with the papers table."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from dailypapers.papers.signals import papers_bulk_loaded, papers_changed
from dailypapers.search.models import PendingIndexUpdate


@receiver(papers_changed, dispatch_uid="search-index-papers-changed")
def queue_index_update(sender, paper_ids, **kwargs) -> None:
    """Record the ids durably (the outbox), and wake the worker once the sender's data is committed."""
    from dailypapers.search.tasks import update_search_index

    if not paper_ids:
        return
    PendingIndexUpdate.enqueue(paper_ids)
    transaction.on_commit(update_search_index.enqueue)


@receiver(papers_bulk_loaded, dispatch_uid="search-index-papers-bulk-loaded")
def queue_index_rebuild(sender, count, **kwargs) -> None:
    """Rebuild rather than update: a bulk load queues no paper in the outbox."""
    from dailypapers.search.tasks import rebuild_search_index

    if count:
        transaction.on_commit(rebuild_search_index.enqueue)
