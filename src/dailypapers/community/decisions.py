"""Notifications of decisions made in the rooms below: an admin deciding a member's authorship claim
(``accounts.AuthorClaim``) and an organization's admin deciding a request to join
(``papers.OrganizationMembership``). Those rooms cannot import this one (the room order), so this one listens
to their models' saves instead of being called.

Connected in ``CommunityConfig.ready`` only when the model exists, so the room works with or without it.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models.signals import post_save

from dailypapers.community.models import NotificationKind
from dailypapers.community.notifications import notify


def claim_decided(sender, instance, created=False, update_fields=None, **kwargs) -> None:
    """A claim's status was set by an admin (``accounts.claims.decide``): tell the claimant. The
    automatic rule (no admin) decides in the member's own request, which already shows the result."""
    if created or not update_fields or "status" not in update_fields:
        return
    if instance.decided_by_id is None or instance.status not in ("approved", "rejected"):
        return
    text = f"{instance.get_status_display()}" + (f" ({instance.name})" if instance.name else "")
    if instance.note:
        text += f": {instance.note}"
    notify(instance.user, NotificationKind.CLAIM_DECISION, actor=instance.decided_by, paper=instance.paper, text=text)


def join_decided(sender, instance, created=False, update_fields=None, **kwargs) -> None:
    """A request to join was approved or rejected (``papers.organizations._record_decision``, which saves
    exactly these fields). A renewed request also saves ``status`` (back to requested, no decider): skipped."""
    if created or not update_fields or "status" not in update_fields:
        return
    if instance.decided_by_id is None or instance.status not in ("approved", "rejected"):
        return
    text = f"{instance.get_status_display()} ({instance.organization.name})"
    notify(instance.user, NotificationKind.JOIN_DECISION, actor=instance.decided_by, text=text)


def submission_settled(sender, fetch, **kwargs) -> None:
    """The worker settled a member's handed-over submission (ingest's ``submission_settled``): placed
    on its page, or not (not on arXiv, refused, arXiv never answered). The member was told "it will
    appear in a moment", so they hear either way; "My papers" shows the state meanwhile."""
    from dailypapers.papers.models import Paper

    paper = Paper.objects.filter(pk=fetch.paper_id).first()
    notify(fetch.user, NotificationKind.SUBMISSION, paper=paper, text=fetch.message)


def connect() -> None:
    from dailypapers.ingest.signals import submission_settled as settled

    settled.connect(submission_settled, dispatch_uid="community-notify-submission-settled")
    try:
        membership_model = apps.get_model("papers", "OrganizationMembership")
    except LookupError:
        membership_model = None
    if membership_model is not None:
        post_save.connect(join_decided, sender=membership_model, dispatch_uid="community-notify-join-decided")
    try:
        claim_model = apps.get_model("accounts", "AuthorClaim")
    except LookupError:
        return
    post_save.connect(claim_decided, sender=claim_model, dispatch_uid="community-notify-claim-decided")
