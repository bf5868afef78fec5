"""Signed links in digest mail: confirm and view (expire), unsubscribe / manage (do not expire).

Each token signs the subscription id together with its ``token_key``; rotating the key revokes
every link mailed so far. Links are the only credential, so the views they lead to need no login
and no cookie.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.core import signing

from dailypapers.digests.models import DigestDelivery, Subscription

CONFIRM_SALT = "dailypapers.digests.confirm"
UNSUBSCRIBE_SALT = "dailypapers.digests.unsubscribe"
MANAGE_SALT = "dailypapers.digests.manage"
VIEW_SALT = "dailypapers.digests.view"


class BadToken(Exception):
    """The link is malformed, forged, expired or revoked; the message says which, for the reader."""


def _sign(salt: str, *parts) -> str:
    return signing.Signer(salt=salt).sign(".".join(str(p) for p in parts))


def _unsign(salt: str, token: str) -> list[str]:
    try:
        return signing.Signer(salt=salt).unsign(token).split(".")
    except signing.BadSignature:
        raise BadToken("This link is not valid. Copy the whole link from the email, or request a new one.") from None


def _subscription(pk: str, key: str) -> Subscription:
    sub = Subscription.objects.filter(pk=int(pk) if pk.isdigit() else -1).first()
    if sub is None or not hmac.compare_digest(sub.token_key, key):
        raise BadToken("This link is no longer valid: the subscription was changed or removed.")
    return sub


def confirm_token(sub: Subscription) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(f"{sub.pk}.{sub.token_key}")


def _unsign_expiring(salt: str, token: str, max_age: int, expired: str) -> tuple[str, str]:
    """(object id, subscription key) of a link that expires; ``expired`` is the message when it has."""
    try:
        value = signing.TimestampSigner(salt=salt).unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise BadToken(expired) from None
    except signing.BadSignature:
        raise BadToken("This link is not valid. Copy the whole link from the email.") from None
    pk, _, key = value.partition(".")
    return pk, key


def subscription_from_confirm_token(token: str) -> Subscription:
    pk, key = _unsign_expiring(CONFIRM_SALT, token, settings.DAILYPAPERS_DIGEST_CONFIRM_MAX_AGE_HOURS * 3600,
                               "This confirmation link has expired. Subscribe again to get a new one.")
    return _subscription(pk, key)


def unsubscribe_token(sub: Subscription) -> str:
    return _sign(UNSUBSCRIBE_SALT, sub.pk, sub.token_key)


def subscription_from_unsubscribe_token(token: str) -> Subscription:
    pk, _, key = ".".join(_unsign(UNSUBSCRIBE_SALT, token)).partition(".")
    return _subscription(pk, key)


def manage_token(sub: Subscription) -> str:
    return _sign(MANAGE_SALT, sub.pk, sub.token_key)


def subscription_from_manage_token(token: str) -> Subscription:
    pk, _, key = ".".join(_unsign(MANAGE_SALT, token)).partition(".")
    return _subscription(pk, key)


def view_token(delivery_id: int, sub: Subscription) -> str:
    """The "view in browser" link: it expires (DAILYPAPERS_DIGEST_VIEW_MAX_AGE_DAYS) and dies with the
    subscription's key, and the page it opens carries no manage or unsubscribe link, so a forwarded
    digest hands over nothing."""
    return signing.TimestampSigner(salt=VIEW_SALT).sign(f"{delivery_id}.{sub.token_key}")


def delivery_from_view_token(token: str) -> DigestDelivery:
    pk, key = _unsign_expiring(VIEW_SALT, token, settings.DAILYPAPERS_DIGEST_VIEW_MAX_AGE_DAYS * 86400,
                               "This digest link has expired; the digest is on the site's pages.")
    delivery = DigestDelivery.objects.select_related("issue", "subscription").filter(
        pk=int(pk) if pk.isdigit() else -1
    ).first()
    if delivery is None or not hmac.compare_digest(delivery.subscription.token_key, key):
        raise BadToken("This digest is no longer available.")
    return delivery
