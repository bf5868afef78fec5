"""Background tasks of the community room: notification mail, sent by ``dailypapers worker``."""

from __future__ import annotations

import logging

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from dailypapers.accounts.addresses import verified_address
from dailypapers.lib.mail import build_mail
from dailypapers.lib.siteurl import site_url

log = logging.getLogger(__name__)


@task()
def send_notification_mail(notification_id: int) -> str:
    """Mail one notification, at most once (``mailed_at``); the preference is read again, as it is now."""
    from dailypapers.community.models import Notification, NotificationPreference

    notification = Notification.objects.select_related("recipient", "actor", "paper", "comment").filter(pk=notification_id).first()
    if notification is None:
        return "gone"
    if notification.mailed_at is not None:
        return "already mailed"
    recipient = notification.recipient
    preference = NotificationPreference.objects.filter(user=recipient, kind=notification.kind).first()
    if not recipient.is_active or preference is None or not preference.mail:
        return "not wanted"
    if notification.comment is not None and not notification.comment.is_visible:
        return "comment gone"
    address = verified_address(recipient)
    if not address:
        return "no verified address"
    base = site_url()
    context = {
        "notification": notification,
        "recipient": recipient,
        "url": base + notification.get_absolute_url(),
        "settings_url": base + reverse("community:notification_settings"),
        "site_name": settings.SITE_NAME,
    }
    subject = " ".join(render_to_string("community/email/notification_subject.txt", context).split())  # one header line
    message = build_mail(
        subject=subject,
        text=render_to_string("community/email/notification.txt", context),
        html=render_to_string("community/email/notification.html", context),
        to=[address],
    )
    message.send()
    Notification.objects.filter(pk=notification.pk).update(mailed_at=timezone.now())
    log.info("notification %s mailed to member %s", notification.pk, recipient.pk)
    return "sent"
