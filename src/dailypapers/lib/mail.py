"""One way to assemble the site's mails (digests, confirmations, later notifications).

Below the apps on purpose: any room may send mail, none needs another room to do it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives


def one_click_unsubscribe_headers(unsubscribe_url: str, mailto: str = "") -> dict[str, str]:
    """RFC 8058 headers: mail clients show an unsubscribe button that POSTs to ``unsubscribe_url``."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url}>" + (f", <mailto:{mailto}?subject=unsubscribe>" if mailto else ""),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def build_mail(
    *,
    subject: str,
    text: str,
    html: str,
    to: list[str],
    headers: dict[str, str] | None = None,
    message_id: str | None = None,
    connection=None,
) -> EmailMultiAlternatives:
    """A multipart/alternative message (text first, HTML preferred) from ``DEFAULT_FROM_EMAIL``.

    Every mail is ``Auto-Submitted: auto-generated`` (RFC 3834): out-of-office replies stay away.
    """
    all_headers = {"Auto-Submitted": "auto-generated", **(headers or {})}
    if message_id:
        all_headers["Message-ID"] = message_id
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        headers=all_headers,
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    return message
