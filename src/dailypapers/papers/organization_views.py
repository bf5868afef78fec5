"""An organization's membership on the web (join, leave, admins' decisions) and its logo."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from dailypapers.lib.ratelimit import RateLimited, count_per_minute, too_many_requests
from dailypapers.papers import organizations
from dailypapers.papers.logos import MAX_LOGO_BYTES, image_type
from dailypapers.papers.models import Organization


def _membership_response(request, org: Organization, error: str = "", status: int = 200):
    if request.htmx:
        context = {"organization": org, "membership": organizations.membership_overview(org, request.user), "error": error}
        return render(request, "papers/_organization_members.html", context, status=200 if error else status)
    if error:
        return render(request, "error.html", {"status": status, "message": error}, status=status)
    return redirect(org.get_absolute_url())


@login_required
@require_POST
def join(request, slug: str):
    org = get_object_or_404(Organization, slug=slug)
    try:
        count_per_minute(request.user.pk)
    except RateLimited as exc:
        return too_many_requests(exc)
    organizations.request_to_join(request.user, org)
    return _membership_response(request, org)


@login_required
@require_POST
def leave(request, slug: str):
    org = get_object_or_404(Organization, slug=slug)
    try:
        count_per_minute(request.user.pk)
        organizations.leave(request.user, org)
    except RateLimited as exc:
        return too_many_requests(exc)
    except organizations.MembershipError as exc:
        return _membership_response(request, org, str(exc), status=409)
    return _membership_response(request, org)


@login_required
@require_POST
def decide(request, slug: str, membership_id: int):
    """An organization admin approves (``decision=approve``) or rejects a request; 403 for anyone
    else, also when the id is of another organization's request."""
    org = get_object_or_404(Organization, slug=slug)
    decision = request.POST.get("decision")
    if decision not in {"approve", "reject"}:
        return HttpResponseBadRequest("decision must be approve or reject")
    if not org.memberships.filter(pk=membership_id).exists() or not org.is_admin(request.user):
        return _forbidden(request)
    try:
        count_per_minute(request.user.pk)
        organizations.decide(request.user, membership_id, decision == "approve")
    except RateLimited as exc:
        return too_many_requests(exc)
    except organizations.NotOrganizationAdmin:
        return _forbidden(request)
    except organizations.MembershipError as exc:
        return _membership_response(request, org, str(exc), status=409)
    return _membership_response(request, org)


def _forbidden(request):
    return render(request, "error.html", {"status": 403, "message": "Only this organization's admins decide its requests."}, status=403)


@require_GET
def logo(request, slug: str):
    """The uploaded logo, with the content type its bytes prove (never SVG, never the storage's guess)."""
    org = get_object_or_404(Organization, slug=slug)
    if not org.logo or not default_storage.exists(org.logo.name):
        raise Http404("No logo.")
    with default_storage.open(org.logo.name, "rb") as stored:
        data = stored.read(MAX_LOGO_BYTES + 1)
    kind = image_type(data[:12])
    if kind is None or len(data) > MAX_LOGO_BYTES:
        raise Http404("No logo.")
    response = HttpResponse(data, content_type=kind)
    response["Cache-Control"] = "public, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
