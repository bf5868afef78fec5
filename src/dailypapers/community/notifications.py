"""Notifications: the one way to tell a member something happened to them (``notify``), their unread
count for the header, marking them read, and their per-kind preferences.

Rooms above this one (accounts' claim decisions, organization join decisions) call ``notify`` with
``NotificationKind.CLAIM_DECISION`` / ``JOIN_DECISION``; this room calls it for replies and mentions.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from dailypapers.community.models import MAX_NOTIFICATION_TEXT_CHARS, Comment, Mention, Notification, NotificationKind, NotificationPreference
from dailypapers.lib.ratelimit import RateLimited, check_notification_rate

logger = logging.getLogger(__name__)

# The header shows the count on every page a member opens: kept in the shared cache, dropped by
# whatever changes it (a new notification, marking read), and short-lived in case a drop is missed.
COUNT_CACHE_SECONDS = 300


def _count_key(user_id: int) -> str:
    return f"dailypapers:unread-notifications:{user_id}"


def forget_unread_count(user_id: int) -> None:
    cache.delete(_count_key(user_id))
    # Also after the commit: a count read between the write and its commit saw the old rows.
    transaction.on_commit(lambda: cache.delete(_count_key(user_id)))


def comment_changed_visibility(comment: Comment) -> None:
    """A comment deleted, hidden or unhidden: the counts of the members it notified change with it."""
    for recipient_id in set(Notification.objects.filter(comment=comment).values_list("recipient_id", flat=True)):
        forget_unread_count(recipient_id)


def unread_count(user) -> int:
    """The member's unread notifications shown on the site (one cheap query, then the cache)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    key = _count_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.shown_to(user).unread().count()
        cache.set(key, count, COUNT_CACHE_SECONDS)
    return count


def preferences_of(user) -> dict[str, NotificationPreference]:
    """Every kind's preference for ``user`` (unsaved defaults for kinds never changed)."""
    saved = {p.kind: p for p in NotificationPreference.objects.filter(user=user)}
    return {kind: saved.get(kind) or NotificationPreference(user=user, kind=kind) for kind in NotificationKind.values}


def set_preferences(user, choices: dict[str, tuple[bool, bool]]) -> None:
    """``choices[kind] = (site, mail)`` for the kinds given; unknown kinds are ignored."""
    for kind, (site, mail) in choices.items():
        if kind in NotificationKind.values:
            NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults={"site": bool(site), "mail": bool(mail)})


def notify(recipient, kind: str, *, actor=None, paper=None, comment: Comment | None = None, text: str = "") -> Notification | None:
    """Tell ``recipient`` about ``kind`` (a ``NotificationKind``); returns the notification, or None when
    nothing is due: the recipient is the actor, is inactive, turned the kind off both on the site and by
    mail, or already has this one (one per member and comment; one unread per identical event otherwise).
    Mail, when the member wants it, is sent by the worker after the commit (``send_notification_mail``)."""
    if kind not in NotificationKind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    if recipient is None or not recipient.is_active or (actor is not None and actor.pk == recipient.pk):
        return None
    preference = preferences_of(recipient)[kind]
    if not preference.site and not preference.mail:
        return None
    if paper is None and comment is not None:
        paper = comment.paper
    same = Notification.objects.filter(recipient=recipient)
    if comment is not None:
        same = same.filter(comment=comment)
    else:
        same = same.filter(kind=kind, paper=paper, actor=actor, text=text[:MAX_NOTIFICATION_TEXT_CHARS], read_at__isnull=True)
    if same.exists():
        return None
    if comment is not None and actor is not None:
        try:  # replies and mentions: what any member can cause, so bounded per member and hour
            check_notification_rate(actor.pk)
        except RateLimited:
            logger.info("member %s reached the hourly notification limit; %s not notified", actor.pk, recipient.pk)
            return None
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient, kind=kind, actor=actor, paper=paper, comment=comment, text=text[:MAX_NOTIFICATION_TEXT_CHARS],
                in_site=preference.site,
            )
    except IntegrityError:  # the same comment notified a moment ago by another request
        return None
    forget_unread_count(recipient.pk)
    if preference.mail:
        from dailypapers.community.tasks import send_notification_mail

        transaction.on_commit(lambda: send_notification_mail.enqueue(notification.pk))
    return notification


def notify_about_comment(comment: Comment) -> None:
    """A new or edited comment: its parent's author hears of the reply, each newly mentioned member
    of the mention (a member who is both gets one notification, the reply)."""
    if comment.parent_id is not None and comment.parent.author is not None:
        notify(comment.parent.author, NotificationKind.REPLY, actor=comment.author, comment=comment)
    pending = list(Mention.objects.filter(comment=comment, notified_at__isnull=True).select_related("user"))
    for mention in pending:
        notify(mention.user, NotificationKind.MENTION, actor=comment.author, comment=comment)
    if pending:
        Mention.objects.filter(pk__in=[m.pk for m in pending]).update(notified_at=timezone.now())


def mark_read(user, notification_ids=None) -> int:
    """Mark the member's own notifications read (all of them when ``notification_ids`` is None);
    ids of other members' notifications are ignored. Returns how many changed."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    changed = unread.update(read_at=timezone.now())
    if changed:
        forget_unread_count(user.pk)
    return changed
