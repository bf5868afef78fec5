"""Member pages: profiles (``/u/<username>``, its avatar), profile settings, API tokens (create —
shown once —, list, revoke), and the claim button of the paper page."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dailypapers.accounts import claims, profiles
from dailypapers.accounts.avatars import AvatarRejected, identicon_svg
from dailypapers.accounts.forms import ProfileForm
from dailypapers.accounts.models import ApiToken, Profile
from dailypapers.lib.ratelimit import RateLimited, count_per_minute, too_many_requests
from dailypapers.papers.context_processors import safe_return_path
from dailypapers.papers.models import Paper
from dailypapers.papers.services import mark_member_state

logger = logging.getLogger(__name__)

# Served files are pictures and nothing else: no script, no plugin, no framing, even if opened directly.
AVATAR_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox"}

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
            count_per_minute(request.user.pk, scope="api-token")
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


# --------------------------------------------------------------------------------------------
# Profiles


@require_GET
def profile(request, username: str):
    member = profiles.visible_member(username)
    if member is None:
        raise Http404("No member with that name.")
    page = profiles.profile_page(member, request.user)
    papers = [e.paper for e in page.submitted] + page.claimed + (page.upvoted or [])
    mark_member_state(request.user, papers)
    context = {
        "member": member,
        "page": page,
        "profile": page.profile,
        "claimed": [(p, p.entry) for p in page.claimed],
        "upvoted": None if page.upvoted is None else [(p, p.entry) for p in page.upvoted],
        "is_own": request.user.is_authenticated and request.user.pk == member.pk,
    }
    return render(request, "accounts/profile.html", context)


@require_GET
def avatar(request, username: str):
    """The member's uploaded picture, with the type it was validated as; else the generated one."""
    member = profiles.visible_member(username)
    if member is None:
        raise Http404("No member with that name.")
    profile = Profile.objects.of(member)
    body, content_type = None, "image/svg+xml"
    if profile.avatar_name:
        try:
            with default_storage.open(profile.avatar_name, "rb") as stored:
                body, content_type = stored.read(), profile.avatar_content_type
        except Exception:
            # The file is gone (storage moved, restored without media) or the storage failed (an S3
            # backend raises its own errors, not OSError): the generated avatar, never a 500.
            logger.warning("avatar of %s unreadable from storage", member.username, exc_info=True)
            body = None
    if body is None:
        body, content_type = identicon_svg(member.username).encode(), "image/svg+xml"
    response = HttpResponse(body, content_type=content_type)
    for name, value in AVATAR_HEADERS.items():
        response[name] = value
    response["Cache-Control"] = "public, max-age=300"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def profile_settings(request):
    profile = Profile.objects.of(request.user)
    status = 200
    if request.method == "POST":
        try:
            count_per_minute(request.user.pk, scope="profile", per_minute=settings.DAILYPAPERS_CLAIM_RATE_PER_MINUTE)
        except RateLimited as exc:
            return too_many_requests(exc)
        form = ProfileForm(request.POST, request.FILES, instance=profile)
        if form.is_valid():
            form.save()
            try:
                if form.cleaned_data.get("avatar"):
                    profiles.save_avatar(request.user, form.cleaned_data["avatar"])
                elif form.cleaned_data.get("remove_avatar"):
                    profiles.remove_avatar(request.user)
            except AvatarRejected as exc:
                form.add_error("avatar", str(exc))
            if not form.errors:
                messages.success(request, "Profile saved.")
                return redirect("accounts:profile_settings")
        status = 400
    else:
        form = ProfileForm(instance=profile)
    return render(request, "accounts/profile_settings.html", {"form": form, "profile": profile}, status=status)


# --------------------------------------------------------------------------------------------
# Author claims


@require_POST
def claim_author(request, paper_id: str, position: str):
    """The member claims the author at ``position`` (0-based) of the paper: for htmx the claim
    control in its new state, else back to the paper page with a message."""
    paper = get_object_or_404(Paper, pk=paper_id)
    position = int(position)
    back = safe_return_path(request, request.POST.get("next"), paper.get_absolute_url())
    if not request.user.is_authenticated:
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = f"/accounts/login/?{urlencode({'next': back})}"
            return response
        return redirect_to_login(back)
    error = None
    try:
        claim = claims.claim_authorship(request.user, claims.slot(paper, position))
    except claims.NoSuchAuthor as exc:
        raise Http404(str(exc)) from None
    except RateLimited as exc:
        return too_many_requests(exc)
    except claims.ClaimError as exc:
        claim, error = claims.claims_of(request.user, paper).get(position), str(exc)
    if request.htmx:
        # 200 with the reason: htmx swaps in only successful responses.
        return render(request, "accounts/_claim_result.html", {"claim": claim, "error": error, "paper": paper})
    if error:
        messages.error(request, error)
    elif claim.status == claim.Status.APPROVED:
        messages.success(request, "You are now linked to this author.")
    else:
        messages.success(request, "Claim sent: an admin will check it.")
    return redirect(back)
