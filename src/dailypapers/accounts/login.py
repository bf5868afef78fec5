"""One way in: every login path is allauth's, so its rate limits and lockout hold everywhere.

The admin's own login form would check passwords with no limit at all (an outside tester tried 40
wrong ones for a superuser in 42 s, then the right one worked), so it is replaced by a redirect to
the site's login, which brings the admin back after signing in.
"""

from __future__ import annotations

from allauth.account.views import LoginView
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from dailypapers.lib.ratelimit import RateLimited, too_many_requests

# allauth's lockout window for failed logins of one account (ACCOUNT_RATE_LIMITS "login_failed": 5/5m/key).
LOCKOUT_RETRY_AFTER_SECONDS = 300


class RateLimitedLoginView(LoginView):
    """allauth's login, answering a locked-out attempt with 429 and Retry-After (allauth re-renders
    the form with 200, which tells clients and monitors nothing)."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, "too_many_login_attempts"):
            return too_many_requests(RateLimited(LOCKOUT_RETRY_AFTER_SECONDS), response)
        return response


login = RateLimitedLoginView.as_view()


def admin_login(request, extra_context=None):
    """Stands in for ``admin.site.login``: never reads a password itself."""
    next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        next_url = reverse("admin:index")
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return redirect(next_url)
        raise PermissionDenied("This account has no access to the admin.")
    return redirect_to_login(next_url, reverse("account_login"))
