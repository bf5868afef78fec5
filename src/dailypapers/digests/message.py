"""A digest as a mail: one subscriber's selection rendered, their own links filled in, and the
headers of a list message (List-Id, RFC 8058 one-click unsubscribe, Message-ID, Precedence).

What the issue says is ``content``'s; how the outbox sends it is ``sending``'s; this module turns
the one into a message for the other (and for the dry run and ``bench/digest_send.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from dailypapers.digests import tokens
from dailypapers.digests.content import IssueContent, absolute_url, fill_links
from dailypapers.digests.models import DigestDelivery, Subscription
from dailypapers.lib.mail import build_mail, one_click_unsubscribe_headers


def message_id(delivery: DigestDelivery) -> str:
    domain = settings.DAILYPAPERS_DIGEST_MESSAGE_ID_DOMAIN
    return f"<digest.{delivery.issue_id}.{delivery.subscription_id}.{delivery.pk}@{domain}>"


def subscriber_links(sub: Subscription, delivery_id: int, base_url: str | None = None) -> dict[str, str]:
    return {
        "unsubscribe_url": absolute_url(reverse("digests:unsubscribe", args=[tokens.unsubscribe_token(sub)]), base_url),
        "manage_url": absolute_url(reverse("digests:manage", args=[tokens.manage_token(sub)]), base_url),
        "view_url": absolute_url(reverse("digests:view", args=[tokens.view_token(delivery_id, sub)]), base_url),
    }


def build_message(content: IssueContent, delivery: DigestDelivery, connection=None) -> tuple[EmailMultiAlternatives, object]:
    """The subscriber's mail (HTML + text), with RFC 8058 one-click unsubscribe headers."""
    sub = delivery.subscription
    selection = content.select(sub)
    html, text = content.render(selection)
    links = subscriber_links(sub, delivery.pk, content.base_url)  # the same address as the papers' links
    headers = {
        "List-Id": f"{settings.SITE_NAME} {delivery.issue.frequency} digest "
                   f"<{delivery.issue.frequency}.digest.{settings.DAILYPAPERS_DIGEST_MESSAGE_ID_DOMAIN}>",
        **one_click_unsubscribe_headers(links["unsubscribe_url"], settings.DAILYPAPERS_DIGEST_UNSUBSCRIBE_MAILTO),
        "Precedence": "bulk",
    }
    message = build_mail(
        subject=delivery.issue.subject,
        text=fill_links(text, links),
        html=fill_links(html, links),
        to=[sub.email],
        headers=headers,
        message_id=message_id(delivery),
        connection=connection,
    )
    return message, selection
