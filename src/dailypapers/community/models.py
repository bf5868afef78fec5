"""Members' comments on papers, their mentions, reports on them, the moderators' audit log, and the
notifications members get (with their per-kind preferences).

A banned member is an inactive account (``User.is_active`` false): Django and the API tokens already
refuse it, and the rooms below this one (votes in ``papers``) can ask it without importing this room.
A deleted member's comments stay, with no author (shown as "[deleted member]"): replies keep their
context, and nothing personal is left behind.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dailypapers.papers.models import Paper

MAX_COMMENT_CHARS = 10_000
MAX_REPORT_REASON_CHARS = 1_000
DELETED_MEMBER = "[deleted member]"
MAX_NOTIFICATION_TEXT_CHARS = 500


def member_name(user) -> str:
    """How the admin and logs name a member: the username, never the row id (a moderator reads
    "ada on 2401.00001", not "17 on 2401.00001")."""
    return user.username if user is not None else DELETED_MEMBER


class CommentQuerySet(models.QuerySet):
    def visible(self):
        """What counts and shows as a comment: not deleted, not hidden, not by a banned member."""
        by_active_or_deleted_member = models.Q(author__is_active=True) | models.Q(author__isnull=True)
        return self.filter(by_active_or_deleted_member, deleted_at__isnull=True, hidden_at__isnull=True)

    def thread_of(self, paper):
        """Every comment of a paper, oldest first, with what the thread shows of each; deleted and
        hidden ones stay (as placeholders) so their replies keep their place."""
        return self.filter(paper=paper).select_related("author").order_by("created_at", "pk")


class Comment(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="member_comments")
    # Null once the author deleted their account (delete_member): the comment stays, anonymous.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="comments")
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
        return f"{member_name(self.author)} on {self.paper_id}: {self.source[:60]}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        """Hidden from readers: by a moderator, or because its author is banned."""
        return self.hidden_at is not None or (self.author is not None and not self.author.is_active)

    @property
    def author_name(self) -> str:
        return self.author.username if self.author is not None else DELETED_MEMBER

    @property
    def is_visible(self) -> bool:
        return not self.is_deleted and not self.is_hidden


class Mention(models.Model):
    """A member named with ``@username`` in a comment; ``notified_at`` once the notification went out."""

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
        return f"report by {member_name(self.reporter)} on comment {self.comment_id}"

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
        return f"{self.get_kind_display()} by {member_name(self.moderator)}"


class NotificationKind(models.TextChoices):
    REPLY = "reply", "replies to my comments"
    MENTION = "mention", "mentions of me (@username)"
    CLAIM_DECISION = "claim_decision", "decisions on my authorship claims"
    JOIN_DECISION = "join_decision", "decisions on my requests to join an organization"
    # Written by discovery's alerts (a room above this one, as accounts' claim decisions are).
    FOLLOW = "follow", "new papers from authors, organizations, categories and searches I follow"
    NEW_VERSION = "new_version", "new versions of papers I follow or saved"
    # Written on ingest's submission_settled signal (community.decisions): the worker placed a paper
    # the member submitted, or gave up on it.
    SUBMISSION = "submission", "my submissions the worker fetched from arXiv (placed or given up)"


class NotificationQuerySet(models.QuerySet):
    def shown_to(self, user):
        """What the member's notifications page lists (kinds they turned off on the site are kept for mail
        only); a comment deleted or hidden since stops being news."""
        return self.filter(recipient=user, in_site=True).exclude(comment__deleted_at__isnull=False).exclude(comment__hidden_at__isnull=False)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def for_listing(self):
        return self.select_related("actor", "paper", "comment").order_by("-created_at", "-pk")


class Notification(models.Model):
    """Something that happened to a member: a reply, a mention, a decision on a claim or a join request.

    Written only by ``community.notifications.notify`` (preferences, self and duplicates are checked there)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    paper = models.ForeignKey(Paper, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(max_length=MAX_NOTIFICATION_TEXT_CHARS, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    in_site = models.BooleanField(default=True, help_text="Listed on the member's notifications page (their preference).")
    mailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]
        constraints = [
            # One notification per member and comment: a reply that also @mentions its parent's author is one event.
            models.UniqueConstraint(fields=["recipient", "comment"], condition=models.Q(comment__isnull=False), name="one_notification_per_comment"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {member_name(self.recipient)}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def get_absolute_url(self) -> str:
        if self.comment_id and self.paper_id:
            return f"{self.paper.get_absolute_url()}#comment-{self.comment_id}"
        if self.paper_id:
            return self.paper.get_absolute_url()
        return "/notifications"


class NotificationPreference(models.Model):
    """A member's choice for one kind; no row means the defaults (on the site: yes; by mail: no)."""

    DEFAULT_SITE = True
    DEFAULT_MAIL = False

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    site = models.BooleanField(default=DEFAULT_SITE)
    mail = models.BooleanField(default=DEFAULT_MAIL)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_notification_preference_per_kind")]

    def __str__(self) -> str:
        return f"{member_name(self.user)} {self.kind}: site={self.site} mail={self.mail}"
