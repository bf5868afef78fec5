"""Member settings: API tokens (create — shown once —, list, revoke)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from dailypapers.accounts.models import ApiToken
from dailypapers.ratelimit import RateLimited, check_write_rate, too_many_requests

MAX_ACTIVE_TOKENS = 20
# The new secret waits here (server-side session) for the one page that shows it, and is popped there.
NEW_TOKEN_SESSION_KEY = "dailypapers:new-api-token"


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    # POST-redirect-GET: reloading the page that shows a new token must not create another one, and
    # the secret must not travel in a URL; it goes through the session, read (and removed) once.
    new_token = request.session.pop(NEW_TOKEN_SESSION_KEY, None) if request.method == "GET" else None
    status = 200
    if request.method == "POST":
        name = (request.POST.get("name") or "").strip()
        try:
            check_write_rate(request.user.pk, scope="api-token")
        except RateLimited as exc:
            return too_many_requests(exc)
        if not name:
            messages.error(request, "Give the token a name, so you know later what it is for.")
            status = 400
        elif ApiToken.objects.active().filter(user=request.user).count() >= MAX_ACTIVE_TOKENS:
            messages.error(request, f"You have {MAX_ACTIVE_TOKENS} active tokens; revoke one first.")
            status = 400
        else:
            _, request.session[NEW_TOKEN_SESSION_KEY] = ApiToken.issue(request.user, name)
            return redirect("accounts:api_tokens", permanent=False)
    tokens = ApiToken.objects.filter(user=request.user)
    response = render(request, "accounts/api_tokens.html", {"tokens": tokens, "new_token": new_token}, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def revoke_api_token(request, token_id: int):
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    token.revoke()
    messages.success(request, f"Revoked “{token.name}”. Programs using it can no longer write.")
    return redirect("accounts:api_tokens")
