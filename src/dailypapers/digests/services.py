"""Subscribing: address checks, double opt-in mail, member subscriptions."""

from __future__ import annotations

import datetime as dt
import logging
import re
import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from dailypapers.accounts.addresses import verified_address
from dailypapers.digests import tokens
from dailypapers.digests.content import absolute_url
from dailypapers.digests.models import Frequency, Subscription
from dailypapers.lib.mail import build_mail
from dailypapers.papers.identifiers import is_category

log = logging.getLogger(__name__)

CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
MAX_CATEGORIES = 20


class SubscriptionError(ValueError):
    """Input a person can fix; the message says how."""


def clean_email(raw: str) -> str:
    """A deliverable-looking address with the domain lower-cased; refuses header injection."""
    if raw is None or CONTROL_CHARS.search(raw):
        raise SubscriptionError("Enter a single email address, without line breaks.")
    email = raw.strip()
    if not email:
        raise SubscriptionError("Enter your email address.")
    if len(email) > 254:
        raise SubscriptionError("That email address is too long.")
    try:
        validate_email(email)
    except ValidationError:
        raise SubscriptionError("Enter a valid email address, like ada@example.org.") from None
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def clean_categories(raw) -> list[str]:
    """Categories from a list or a comma/space separated string: ``cs.CL, cs.LG``."""
    items = raw if isinstance(raw, (list, tuple)) else re.split(r"[\s,]+", raw or "")
    cats = []
    for item in items:
        item = (item or "").strip()
        if not item:
            continue
        if CONTROL_CHARS.search(item) or not is_category(item):
            raise SubscriptionError(f"{item[:40]!r} is not an arXiv category like cs.CL.")
        if item not in cats:
            cats.append(item)
    if len(cats) > MAX_CATEGORIES:
        raise SubscriptionError(f"Choose at most {MAX_CATEGORIES} categories.")
    return cats


def clean_query(raw: str) -> str:
    query = " ".join((raw or "").split())
    if CONTROL_CHARS.search(query):
        raise SubscriptionError("The saved query cannot contain control characters.")
    if len(query) > 200:
        raise SubscriptionError("Keep the saved query under 200 characters.")
    return query


def clean_frequency(raw: str) -> str:
    if raw not in Frequency.values:
        raise SubscriptionError("Choose daily or weekly.")
    return raw


def subscribe(email: str, frequency: str = Frequency.DAILY) -> Subscription:
    """Start (or restart) a subscription and mail the confirmation link.

    An address already receiving the digest gets a note with its manage link instead, so the
    answer on the page never tells a stranger whether an address is subscribed.
    """
    email = clean_email(email)
    frequency = clean_frequency(frequency)
    sub = Subscription.objects.filter(email__iexact=email).first()
    if sub is None:
        try:
            with transaction.atomic():
                sub = Subscription.objects.create(email=email, frequency=frequency)
        except IntegrityError:  # the same address subscribing twice at once
            sub = Subscription.objects.get(email__iexact=email)
    elif not sub.is_receiving:
        sub.frequency = frequency
        sub.save(update_fields=["frequency"])
    send_confirmation(sub)
    return sub


def send_confirmation(sub: Subscription) -> bool:
    """Mail the confirmation (or, when already receiving, the manage link); at most one per
    address per resend interval, so the form cannot be used to flood someone's inbox."""
    interval = dt.timedelta(seconds=settings.DAILYPAPERS_DIGEST_CONFIRM_RESEND_SECONDS)
    now = timezone.now()
    claimed = Subscription.objects.filter(pk=sub.pk).exclude(confirmation_sent_at__gt=now - interval).update(
        confirmation_sent_at=now
    )
    if not claimed:
        return False
    context = {
        "site_name": settings.SITE_NAME,
        "subscription": sub,
        "already": sub.is_receiving,
        "confirm_url": absolute_url(reverse("digests:confirm", args=[tokens.confirm_token(sub)])),
        "manage_url": absolute_url(reverse("digests:manage", args=[tokens.manage_token(sub)])),
        "max_age_hours": settings.DAILYPAPERS_DIGEST_CONFIRM_MAX_AGE_HOURS,
    }
    subject = (f"Your {settings.SITE_NAME} digest subscription" if sub.is_receiving
               else f"Confirm your {settings.SITE_NAME} digest subscription")
    message = build_mail(
        subject=subject,
        text=render_to_string("digests/email/confirm.txt", context),
        html=render_to_string("digests/email/confirm.html", context),
        to=[sub.email],
    )
    try:
        message.send()
    except (OSError, smtplib.SMTPException):
        # Let the person try again right away rather than wait out the interval for a mail that never left.
        Subscription.objects.filter(pk=sub.pk).update(confirmation_sent_at=None)
        raise
    return True


def member_subscription(user) -> Subscription | None:
    """The member's subscription: their own, else — once they have verified the address — the one
    that address had before the account. An unverified address proves nothing: anyone can sign up
    with someone else's, and must neither see nor steer that person's subscription."""
    own = Subscription.objects.filter(user=user).first()
    if own is not None or not user.email or not verified_address(user):
        return own
    return anonymous_subscription(user.email)


def anonymous_subscription(email: str) -> Subscription | None:
    return Subscription.objects.filter(email__iexact=email, user__isnull=True).first()


def save_member_subscription(user, *, active: bool, frequency: str, categories, query: str, personal: bool) -> Subscription | None:
    """The member settings form. The address is the account's; a verified one needs no extra mail."""
    if not user.email:
        raise SubscriptionError("Add an email address to your account first.")
    frequency = clean_frequency(frequency)
    categories = clean_categories(categories)
    query = clean_query(query)
    email = clean_email(user.email)
    sub = member_subscription(user)
    if sub is None:
        if not active:
            return None
        existing = anonymous_subscription(email)
        if existing is not None:
            # Someone subscribed this address before the (unverified) account: leave it as it is, and
            # mail its owner their manage or confirm link; the member is told exactly what a new
            # subscriber is told, so the page discloses nothing.
            send_confirmation(existing)
            return Subscription(email=email)
        sub = Subscription(email=email)
    sub.user = user
    sub.email = email
    sub.frequency = frequency
    sub.categories = categories
    sub.query = query
    sub.personal = personal
    sub.save()
    if not active:
        sub.unsubscribe()
    elif not sub.is_receiving:
        if verified_address(user):
            sub.confirm()
        else:
            sub.unsubscribed_at = None
            sub.save(update_fields=["unsubscribed_at"])
            send_confirmation(sub)
    return sub


def update_preferences(sub: Subscription, *, frequency: str, categories, query: str) -> Subscription:
    """The manage page reached from a digest link (no login)."""
    sub.frequency = clean_frequency(frequency)
    sub.categories = clean_categories(categories)
    sub.query = clean_query(query)
    sub.save(update_fields=["frequency", "categories", "query"])
    return sub
