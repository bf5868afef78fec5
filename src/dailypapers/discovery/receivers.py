"""Keeps alerting in step with the papers table (as search's receivers keep the index)."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from dailypapers.discovery.models import PendingAlertCheck, SeenVersion
from dailypapers.papers.signals import papers_bulk_loaded, papers_changed


@receiver(papers_changed, dispatch_uid="discovery-alerts-papers-changed")
def queue_alert_check(sender, paper_ids, **kwargs) -> None:
    """Record the ids in the outbox (committed with the papers), and wake the worker after the commit."""
    from dailypapers.discovery.tasks import check_alerts

    if not paper_ids:
        return
    PendingAlertCheck.enqueue(paper_ids)
    transaction.on_commit(check_alerts.enqueue)


@receiver(papers_bulk_loaded, dispatch_uid="discovery-alerts-papers-bulk-loaded")
def seed_seen_versions(sender, count, **kwargs) -> None:
    """A bootstrap is not news: its papers' versions become the baseline, alerting nobody."""
    if count:
        SeenVersion.seed_all()
