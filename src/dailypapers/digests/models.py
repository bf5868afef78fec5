"""Digest subscriptions, the issues sent for each period, and the outbox of deliveries.

Data rules live here: which subscriptions may receive mail (confirmed, not unsubscribed, not
suspended), one delivery row per subscription and issue (the unique constraint that makes sending
idempotent), and the delivery states the sender moves rows through.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone


def new_token_key() -> str:
    return secrets.token_urlsafe(12)


class Frequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"


class SubscriptionQuerySet(models.QuerySet):
    def receiving(self) -> SubscriptionQuerySet:
        """Subscriptions that may be mailed: confirmed, still subscribed, not suspended."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True, suspended_at__isnull=True)


class Subscription(models.Model):
    """One address subscribed to the digest. Nothing is sent before ``confirmed_at`` is set."""

    email = models.EmailField(max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="digest_subscriptions"
    )
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.DAILY)
    # Filters: only papers in any of these arXiv categories / matching this query. Empty = everything.
    categories = models.JSONField(default=list, blank=True)
    query = models.CharField(max_length=200, blank=True, help_text="Saved search: every word must match")
    personal = models.BooleanField(default=False, help_text="Members: add papers like the ones they upvoted")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspended_reason = models.CharField(max_length=500, blank=True)
    # Part of every signed link; replacing it revokes all links mailed so far.
    token_key = models.CharField(max_length=32, default=new_token_key)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="digest_subscription_unique_email")]
        indexes = [models.Index(fields=["frequency", "confirmed_at"], name="digest_sub_freq_idx")]

    def __str__(self) -> str:
        return f"{self.email} ({self.frequency}, {self.status})"

    @property
    def status(self) -> str:
        if self.suspended_at:
            return "suspended"
        if self.unsubscribed_at:
            return "unsubscribed"
        if self.confirmed_at:
            return "active"
        return "unconfirmed"

    @property
    def is_receiving(self) -> bool:
        return self.status == "active"

    @property
    def has_filters(self) -> bool:
        return bool(self.categories or self.query)

    def confirm(self) -> None:
        """Confirm (or re-confirm after unsubscribing); a suspension is lifted by the address owner too."""
        now = timezone.now()
        self.confirmed_at = self.confirmed_at or now
        self.unsubscribed_at = None
        self.suspended_at = None
        self.suspended_reason = ""
        self.save(update_fields=["confirmed_at", "unsubscribed_at", "suspended_at", "suspended_reason"])

    def unsubscribe(self) -> None:
        if not self.unsubscribed_at:
            self.unsubscribed_at = timezone.now()
            self.save(update_fields=["unsubscribed_at"])

    def suspend(self, reason: str) -> None:
        Subscription.objects.filter(pk=self.pk, suspended_at__isnull=True).update(
            suspended_at=timezone.now(), suspended_reason=reason[:500]
        )


class DigestIssue(models.Model):
    """The digest of one period for one frequency: the ranked papers and the shared rendering."""

    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    period_key = models.CharField(max_length=10, help_text="YYYY-MM-DD (daily) or YYYY-Www (weekly)")
    period_label = models.CharField(max_length=100)
    subject = models.CharField(max_length=200)
    # Every entry of the period, best first (subscribers' filters pick from this list).
    ranked_paper_ids = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["frequency", "period_key"], name="digest_issue_unique_period")]
        ordering = ["-period_key"]

    def __str__(self) -> str:
        return f"{self.frequency} digest {self.period_key}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending (claimed by a sender)"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped (left before sending)"


class DigestDelivery(models.Model):
    """The outbox: one row per subscription and issue. A row is claimed before its mail is sent."""

    issue = models.ForeignKey(DigestIssue, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.CharField(max_length=120, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    # What this subscriber's mail listed, for the "view in browser" page.
    paper_ids = models.JSONField(default=list, blank=True)
    personal_paper_ids = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscription", "issue"], name="digest_delivery_unique_period"),
        ]
        indexes = [
            models.Index(fields=["issue", "state", "next_attempt_at"], name="digest_delivery_due_idx"),
            models.Index(fields=["state", "claimed_by"], name="digest_delivery_claim_idx", condition=Q(state="sending")),
        ]
        verbose_name_plural = "digest deliveries"

    def __str__(self) -> str:
        return f"{self.issue} → {self.subscription.email}: {self.state}"
