"""The one rule for mailing a member: only to an address they have verified.

An unverified address proves nothing (anyone can sign up with someone else's), so the site neither
mails it (notifications) nor lets it stand for the person who owns it (digest subscriptions).
"""

from __future__ import annotations


def verified_address(user) -> str:
    """The member's address when they have verified it, else ""."""
    from allauth.account.models import EmailAddress

    if not user.email:
        return ""
    return user.email if EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists() else ""
