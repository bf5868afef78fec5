"""Comment and moderation workflows. Each keeps ``Paper.num_comments`` right (the visible comments)
in the same transaction as the change, and every moderator action writes its ``ModerationAction``."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from dailypapers.accounts.profiles import profile_path
from dailypapers.community.models import MAX_COMMENT_CHARS, MAX_REPORT_REASON_CHARS, Comment, Mention, ModerationAction, Report
from dailypapers.community.notifications import comment_changed_visibility, notify_about_comment
from dailypapers.lib import markdown
from dailypapers.lib.pagecache import bump_content_version
from dailypapers.lib.ratelimit import count_per_minute
from dailypapers.papers.models import Paper
from dailypapers.papers.services import recount_member_upvotes

# Comments, edits and reports share one per-member budget, beside (not inside) the other writes'.
RATE_SCOPE = "comment"


class CommentError(ValueError):
    """A comment or report that cannot be accepted; the message is for the member."""


class NotAllowed(PermissionError):
    """The member may not change this comment (it is someone else's, or gone)."""


def _members_named(names) -> dict[str, object]:
    if not names:
        return {}
    return {u.username: u for u in get_user_model().objects.filter(username__in=names, is_active=True)}


def render(source: str) -> tuple[str, list]:
    """The sanitized HTML of ``source`` and the members it mentions: of its first
    DAILYPAPERS_MENTIONS_PER_COMMENT distinct @names, the existing, active members (they link and are
    notified); later names stay text, so one comment cannot reach hundreds of members."""
    members = _members_named(markdown.mentioned_usernames(source)[: settings.DAILYPAPERS_MENTIONS_PER_COMMENT])
    html = markdown.render_untrusted(source, mention_url=lambda name: profile_path(name) if name in members else None)
    return str(html), list(members.values())


def clean_source(source: str) -> str:
    source = (source or "").replace("\r\n", "\n").strip()
    if not source:
        raise CommentError("A comment cannot be empty.")
    if len(source) > MAX_COMMENT_CHARS:
        raise CommentError(f"A comment is at most {MAX_COMMENT_CHARS} characters.")
    return source


def recount_comments(paper_ids) -> None:
    """Set ``num_comments`` of these papers from their visible comments."""
    visible = Comment.objects.visible().filter(paper=OuterRef("pk")).order_by().values("paper").annotate(n=Count("pk")).values("n")
    Paper.objects.filter(pk__in=list(paper_ids)).update(num_comments=Coalesce(Subquery(visible), 0))
    bump_content_version()  # cached pages show threads and counts; a queryset update sends no signal


def _record_mentions(comment: Comment, members) -> None:
    Mention.objects.filter(comment=comment).exclude(user__in=members).delete()
    Mention.objects.bulk_create([Mention(comment=comment, user=u) for u in members if u != comment.author], ignore_conflicts=True)


def post_comment(user, paper: Paper, source: str, parent: Comment | None = None) -> Comment:
    """A new comment (or a reply to ``parent``, a comment on the same paper) by ``user``.
    Rate-limited per member (raises ``RateLimited``)."""
    source = clean_source(source)
    if parent is not None and (parent.paper_id != paper.pk or parent.is_deleted or parent.hidden_at is not None):
        raise CommentError("That comment cannot be replied to.")
    count_per_minute(user.pk, scope=RATE_SCOPE)
    html, members = render(source)
    with transaction.atomic():
        comment = Comment.objects.create(paper=paper, author=user, parent=parent, source=source, html=html)
        _record_mentions(comment, members)
        recount_comments([paper.pk])
        notify_about_comment(comment)
    return comment


def edit_comment(user, comment: Comment, source: str) -> Comment:
    if comment.author_id != user.pk or comment.is_deleted:
        raise NotAllowed("not your comment")
    source = clean_source(source)
    count_per_minute(user.pk, scope=RATE_SCOPE)
    if source == comment.source:
        return comment
    comment.html, members = render(source)
    comment.source = source
    comment.edited_at = timezone.now()
    with transaction.atomic():
        comment.save(update_fields=["source", "html", "edited_at"])
        _record_mentions(comment, members)
        notify_about_comment(comment)  # members newly mentioned by the edit
    return comment


def delete_comment(user, comment: Comment) -> Comment:
    """Soft delete: the thread keeps a "[deleted]" in its place, so replies stay where they were."""
    if comment.author_id != user.pk or comment.is_deleted:
        raise NotAllowed("not your comment")
    with transaction.atomic():
        comment.deleted_at = timezone.now()
        comment.save(update_fields=["deleted_at"])
        Mention.objects.filter(comment=comment).delete()
        recount_comments([comment.paper_id])
        comment_changed_visibility(comment)
    return comment


def report_comment(user, comment: Comment, reason: str) -> Report:
    """One open report per member and comment (reporting again updates the reason)."""
    reason = (reason or "").strip()
    if not reason:
        raise CommentError("Say what is wrong with the comment.")
    if len(reason) > MAX_REPORT_REASON_CHARS:
        raise CommentError(f"A reason is at most {MAX_REPORT_REASON_CHARS} characters.")
    if comment.author_id == user.pk:
        raise CommentError("You cannot report your own comment.")
    count_per_minute(user.pk, scope=RATE_SCOPE)
    report, _created = Report.objects.update_or_create(
        comment=comment, reporter=user, defaults={"reason": reason, "resolved_at": None, "resolved_by": None}
    )
    return report


# Moderation: each action writes the audit log in the same transaction.


def hide_comment(moderator, comment: Comment, note: str = "") -> None:
    with transaction.atomic():
        if comment.hidden_at is None:
            comment.hidden_at = timezone.now()
            comment.save(update_fields=["hidden_at"])
            recount_comments([comment.paper_id])
            comment_changed_visibility(comment)
        ModerationAction.objects.create(moderator=moderator, kind=ModerationAction.Kind.HIDE, comment=comment, member=comment.author, note=note)


def unhide_comment(moderator, comment: Comment, note: str = "") -> None:
    with transaction.atomic():
        if comment.hidden_at is not None:
            comment.hidden_at = None
            comment.save(update_fields=["hidden_at"])
            recount_comments([comment.paper_id])
            comment_changed_visibility(comment)
        ModerationAction.objects.create(moderator=moderator, kind=ModerationAction.Kind.UNHIDE, comment=comment, member=comment.author, note=note)


def resolve_report(moderator, report: Report, note: str = "") -> None:
    with transaction.atomic():
        if report.resolved_at is None:
            report.resolved_at = timezone.now()
            report.resolved_by = moderator
            report.save(update_fields=["resolved_at", "resolved_by"])
        ModerationAction.objects.create(
            moderator=moderator, kind=ModerationAction.Kind.RESOLVE, report=report, comment=report.comment, member=report.comment.author, note=note
        )


def set_banned(moderator, member, banned: bool, note: str = "") -> None:
    """Ban (or lift the ban on) a member: the account goes inactive, so it cannot sign in or use its
    tokens, its comments are hidden and its upvotes stop counting; lifting it restores all three."""
    if banned and (member.is_staff or member.is_superuser):
        raise CommentError("Staff accounts are not banned from here.")
    with transaction.atomic():
        member.is_active = not banned
        member.save(update_fields=["is_active"])
        commented = set(Comment.objects.filter(author=member).values_list("paper_id", flat=True))
        recount_comments(commented)
        voted = set(member.upvotes.values_list("paper_id", flat=True))
        recount_member_upvotes(voted)
        kind = ModerationAction.Kind.BAN if banned else ModerationAction.Kind.UNBAN
        ModerationAction.objects.create(moderator=moderator, kind=kind, member=member, note=note)
