"""Members' API tokens: long random secrets, stored only as a hash and shown once when created."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

TOKEN_PREFIX = "dp_"
# The first characters after the prefix identify a token in lists without revealing it.
VISIBLE_CHARS = 8


def hash_token(raw: str) -> str:
    # A plain SHA-256 is enough: tokens carry ~256 bits of entropy, so there is nothing to brute-force
    # and a slow KDF would only slow down every API request.
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A bearer token for the API. The plain token exists only in the response that created it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. “paper bot”.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    visible_prefix = models.CharField(max_length=len(TOKEN_PREFIX) + VISIBLE_CHARS, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.visible_prefix}…)"

    @classmethod
    def issue(cls, user, name: str) -> tuple[ApiToken, str]:
        """Create a token for ``user``; return it with the plain secret, which is not stored."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name.strip()[:100] or "API token", token_hash=hash_token(raw), visible_prefix=raw[: len(TOKEN_PREFIX) + VISIBLE_CHARS]
        )
        return token, raw

    @classmethod
    def user_for(cls, raw: str):
        """The active member owning this plain token, or None. Records when it was last used."""
        if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
            return None
        token = cls.objects.active().select_related("user").filter(token_hash=hash_token(raw)).first()
        if token is None or not token.user.is_active:
            return None
        now = timezone.now()
        # Write at most once a minute per token, so reads through the API stay reads.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


# --------------------------------------------------------------------------------------------
# Profiles

MAX_BIO_CHARS = 1_000
MAX_WEBSITE_CHARS = 500


def validate_website(value: str) -> None:
    from django.core.exceptions import ValidationError

    from dailypapers.papers.identifiers import is_http_url

    if value and not is_http_url(value):
        raise ValidationError("Give an http:// or https:// address.", code="invalid")


class ProfileQuerySet(models.QuerySet):
    def of(self, user) -> Profile:
        """The member's profile; an unsaved blank one when they never edited it (pages only read it,
        so a profile row exists only for members who saved settings)."""
        return self.filter(user=user).first() or Profile(user=user)


class Profile(models.Model):
    """What a member shows about themselves on ``/u/<username>``. Created when first saved."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    # Markdown source; rendered with ``markdown.render_untrusted`` (bios are untrusted like comments).
    bio = models.TextField(blank=True, max_length=MAX_BIO_CHARS)
    website = models.CharField(blank=True, max_length=MAX_WEBSITE_CHARS, validators=[validate_website])
    upvotes_public = models.BooleanField(default=False, help_text="Show the papers this member upvoted on their profile.")
    # An uploaded avatar: its name in ``default_storage`` and the type it was validated as (served
    # with that type, never one guessed from the bytes). Empty: the generated avatar.
    avatar_name = models.CharField(max_length=300, blank=True, editable=False)
    avatar_content_type = models.CharField(max_length=40, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProfileQuerySet.as_manager()

    def __str__(self) -> str:
        return f"profile of {self.user}"

    @property
    def bio_html(self):
        from dailypapers.lib.markdown import render_untrusted

        return render_untrusted(self.bio)


# --------------------------------------------------------------------------------------------
# Author claims


class AuthorClaimQuerySet(models.QuerySet):
    def open(self):
        """Pending or approved: the claims that hold a slot."""
        return self.filter(status__in=[AuthorClaim.Status.PENDING, AuthorClaim.Status.APPROVED])


class AuthorClaim(models.Model):
    """A member saying "I am this author of this paper": the slot is the paper and the byline
    position (authorship rows are rewritten when a paper is re-imported, so a claim does not point
    at one). Approval links the slot's ``Author`` identity to the member (``Author.user``).

    The claim rows are also the record of who decided what and when (``decided_by``, ``decided_at``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        APPROVED = "approved", "approved"
        REJECTED = "rejected", "rejected"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="author_claims")
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="author_claims")
    position = models.PositiveIntegerField()
    # The identity and spelling at the slot when the claim was made (what the admin compares).
    author = models.ForeignKey("papers.Author", null=True, blank=True, on_delete=models.SET_NULL, related_name="claims")
    name = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="decided_author_claims"
    )
    note = models.TextField(blank=True, max_length=2000)

    objects = AuthorClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A member claims a slot on a paper at most once (a rejected claim is not retried).
            models.UniqueConstraint(fields=["user", "paper"], name="one_author_claim_per_member_and_paper"),
            # One member at a time holds (or waits for) a slot.
            models.UniqueConstraint(
                fields=["paper", "position"], condition=models.Q(status__in=["pending", "approved"]), name="one_open_claim_per_author_slot"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} as author {self.position + 1} of {self.paper_id} ({self.status})"


class ReservedUsername(models.Model):
    """A deleted member's username, never given to anyone else: their old comments' @mentions and
    links name it, and would otherwise lead to whoever signed up with it next."""

    username = models.CharField(max_length=150, unique=True)
    reserved_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.username

    @classmethod
    def reserve(cls, username: str) -> None:
        cls.objects.get_or_create(username=username.lower())

    @classmethod
    def is_reserved(cls, username: str) -> bool:
        return cls.objects.filter(username=(username or "").lower()).exists()
