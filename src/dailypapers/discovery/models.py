"""What discovery keeps per member: explicit feedback, cold-start keywords, follows, the private-feed
key, and the alerts sent (one per member, paper and version: the unique constraint that makes alerts
idempotent). Plus two rows per paper that alerting needs: the last version it saw, and the outbox
of papers to check.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import connection, models
from django.utils import timezone

from dailypapers.papers.models import Paper

MAX_FOLLOWS = 500
MAX_KEYWORDS = 20
MAX_KEYWORD_CHARS = 100
MAX_SEARCH_CHARS = 250  # the search box's own limit (search.MAX_QUERY_CHARS)


def new_feed_key() -> str:
    return secrets.token_urlsafe(12)


class Feedback(models.Model):
    """A member's "more like this" / "not interested" on one paper; deleting the row undoes it."""

    class Signal(models.TextChoices):
        MORE = "more", "more like this"
        LESS = "less", "not interested"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="paper_feedback")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    signal = models.CharField(max_length=4, choices=Signal.choices)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "paper"], name="one_feedback_per_member_and_paper")]
        indexes = [models.Index(fields=["user", "-created_at"], name="feedback_member_recent_idx")]

    def __str__(self) -> str:
        return f"{self.user} {self.signal} {self.paper_id}"


class Interests(models.Model):
    """What a new member told the site (keywords; categories are follows, papers are feedback), and
    the key of their private feeds: replacing ``feed_key`` revokes every feed link given out."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interests")
    keywords = models.JSONField(default=list, blank=True)
    feed_key = models.CharField(max_length=32, default=new_feed_key)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"interests of {self.user}"


class Follow(models.Model):
    """A member follows an author (``target`` = the Author id, claimed or not), an organization (its
    slug), a category ("cs.CL") or a saved search (the query text)."""

    class Kind(models.TextChoices):
        AUTHOR = "author"
        ORGANIZATION = "organization"
        CATEGORY = "category"
        SEARCH = "search"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    target = models.CharField(max_length=MAX_SEARCH_CHARS)
    label = models.CharField(max_length=300, help_text="How pages and alerts name it (the author's or organization's name)")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "label", "pk"]
        constraints = [models.UniqueConstraint(fields=["user", "kind", "target"], name="one_follow_per_member_and_target")]
        indexes = [models.Index(fields=["kind", "target"], name="follow_target_idx")]

    def __str__(self) -> str:
        return f"{self.user} follows {self.kind} {self.target}"

    @property
    def description(self) -> str:
        """"the author Ada Lovelace", "the search “diffusion”": what a reason or an alert names."""
        if self.kind == self.Kind.SEARCH:
            return f"your saved search “{self.label}”"
        return f"{self.get_kind_display().lower()} {self.label}"


class Alert(models.Model):
    """One alert sent: a new paper matching a follow, or a new version of a followed or saved paper.
    Unique per member, paper and version, so a re-run (or two workers at once) alerts nobody twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="discovery_alerts")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    follow = models.ForeignKey(Follow, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts")
    reason = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "paper", "version"], name="one_alert_per_member_paper_version")]

    def __str__(self) -> str:
        return f"alert {self.user} {self.paper_id} v{self.version}"


class SeenVersion(models.Model):
    """The last version of a paper that alerting looked at: a paper never seen is new, a higher
    version than this is a new version. Seeded for bulk-loaded papers (a bootstrap is not news)."""

    paper_id = models.CharField(primary_key=True, max_length=80)
    version = models.PositiveIntegerField()

    @classmethod
    def seed_all(cls) -> None:
        """Every paper's current version, without alerting: after a bulk load, and at migration."""
        table, papers = cls._meta.db_table, Paper._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (paper_id, version) SELECT id, version FROM {papers} WHERE true"
                " ON CONFLICT (paper_id) DO UPDATE SET version = excluded.version"
            )


class PendingAlertCheck(models.Model):
    """Papers changed since alerting last ran (the outbox of ``papers_changed``, as search's)."""

    paper_id = models.CharField(max_length=80, unique=True)
    queued_at = models.DateTimeField(default=timezone.now)

    @classmethod
    def enqueue(cls, paper_ids) -> None:
        ids = list(dict.fromkeys(paper_ids))
        if not ids:
            return
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {cls._meta.db_table} (paper_id, queued_at) VALUES (%s, %s)"
                " ON CONFLICT (paper_id) DO UPDATE SET queued_at = excluded.queued_at",
                [(pid, now) for pid in ids],
            )
