"""Members' comments on papers, their mentions, reports on them and the moderators' audit log.

A banned member is an inactive account (``User.is_active`` false): Django and the API tokens already
refuse it, and the rooms below this one (votes in ``papers``) can ask it without importing this room.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dailypapers.papers.models import Paper

MAX_COMMENT_CHARS = 10_000
MAX_REPORT_REASON_CHARS = 1_000


class CommentQuerySet(models.QuerySet):
    def visible(self):
        """What counts and shows as a comment: not deleted, not hidden, not by a banned member."""
        return self.filter(deleted_at__isnull=True, hidden_at__isnull=True, author__is_active=True)

    def thread_of(self, paper):
        """Every comment of a paper, oldest first, with what the thread shows of each; deleted and
        hidden ones stay (as placeholders) so their replies keep their place."""
        return self.filter(paper=paper).select_related("author").order_by("created_at", "pk")


class Comment(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="member_comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    source = models.TextField(max_length=MAX_COMMENT_CHARS, help_text="The markdown as the member wrote it.")
    html = models.TextField(editable=False, help_text="The source rendered and sanitized (markdown.render_untrusted).")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True, help_text="Hidden by a moderator.")

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["paper", "created_at"])]

    def __str__(self) -> str:
        return f"{self.author_id} on {self.paper_id}: {self.source[:60]}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        """Hidden from readers: by a moderator, or because its author is banned."""
        return self.hidden_at is not None or not self.author.is_active

    @property
    def is_visible(self) -> bool:
        return not self.is_deleted and not self.is_hidden


class Mention(models.Model):
    """A member named with ``@username`` in a comment: kept for notifications (not sent yet)."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions")
    created_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="unique_mention_per_comment")]


class Report(models.Model):
    """A member's report of a comment; the moderation queue is the unresolved ones."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports")
    reason = models.TextField(max_length=MAX_REPORT_REASON_CHARS)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="resolved_reports"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["comment", "reporter"], name="one_report_per_member_and_comment")]

    def __str__(self) -> str:
        return f"report on comment {self.comment_id}"

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None


class ModerationAction(models.Model):
    """The audit log: one row per moderator action, written by the services that perform them."""

    class Kind(models.TextChoices):
        HIDE = "hide", "hide comment"
        UNHIDE = "unhide", "unhide comment"
        RESOLVE = "resolve", "resolve report"
        BAN = "ban", "ban member"
        UNBAN = "unban", "unban member"

    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="moderation_actions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="moderation_actions")
    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.SET_NULL, related_name="moderation_actions")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="moderation_received"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.moderator_id}"
