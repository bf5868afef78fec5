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
