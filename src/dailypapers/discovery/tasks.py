"""Background work of discovery, run by ``dailypapers worker``."""

from __future__ import annotations

from django_tasks import task


@task()
def check_alerts() -> dict:
    """Alert members about the papers queued by ``papers_changed`` (see ``discovery.alerts``)."""
    from dailypapers.discovery.alerts import process_pending_alerts

    return {"checked": process_pending_alerts()}
