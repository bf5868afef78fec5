"""The site's allauth adapter: allauth's rate limits (failed logins, signups) count the client by the
site's one client-address rule (``lib.ratelimit.client_address``: behind DAILYPAPERS_TRUSTED_PROXIES,
the right-most untrusted ``X-Forwarded-For`` address), not the proxy's; and deleted members'
usernames stay taken (``ReservedUsername``)."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ValidationError

from dailypapers.accounts.models import ReservedUsername
from dailypapers.lib.ratelimit import client_address


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        return client_address(request)

    def clean_username(self, username, shallow=False):
        username = super().clean_username(username, shallow=shallow)
        if not shallow and ReservedUsername.is_reserved(username):
            raise ValidationError("This username belonged to a deleted account and cannot be used again; choose another.")
        return username
