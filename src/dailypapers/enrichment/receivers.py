"""Papers are enriched as they arrive: every papers_changed (an import batch, a submission, an
admin edit) queues their ids for the worker, and a comment by a member who may edit a paper's
links queues that paper (its links may be in it)."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from dailypapers.community.models import Comment
from dailypapers.enrichment.services import BATCH, EnrichmentSender
from dailypapers.papers.signals import papers_bulk_loaded, papers_changed


def _enqueue(paper_ids: list[str]) -> None:
    from dailypapers.enrichment.tasks import enrich_papers

    for start in range(0, len(paper_ids), BATCH):
        enrich_papers.enqueue(paper_ids[start : start + BATCH])


@receiver(papers_changed, dispatch_uid="enrichment-papers-changed")
def queue_enrichment(sender, paper_ids, **kwargs) -> None:
    # What this room changed itself (shown links) needs no second look.
    if sender is EnrichmentSender or not paper_ids:
        return
    ids = list(paper_ids)
    transaction.on_commit(lambda: _enqueue(ids))


@receiver(post_save, sender=Comment, dispatch_uid="enrichment-comment-saved")
def queue_comment_links(sender, instance: Comment, **kwargs) -> None:
    if "." in instance.source or instance.deleted_at or instance.hidden_at:  # a URL, or a link that may go
        paper_id = instance.paper_id
        transaction.on_commit(lambda: _enqueue([paper_id]))


@receiver(papers_bulk_loaded, dispatch_uid="enrichment-papers-bulk-loaded")
def queue_catalogue(sender, count, **kwargs) -> None:
    """A bulk load sends no papers_changed: walk the whole catalogue instead, a slice per task."""
    from dailypapers.enrichment.tasks import enrich_catalogue

    if count:
        transaction.on_commit(enrich_catalogue.enqueue)
