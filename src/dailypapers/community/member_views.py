"""A member's own pages: notifications (list, mark read, preferences), the papers they submitted, and
deleting their account. Each acts only on the signed-in member's own rows."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dailypapers.accounts.addresses import verified_address
from dailypapers.community import notifications
from dailypapers.community.deletion import delete_member
from dailypapers.community.models import Notification, NotificationKind
from dailypapers.lib.ratelimit import RateLimited, count_per_minute, too_many_requests
from dailypapers.papers.models import DailyEntry

PAGE_SIZE = 50


def _private(response):
    response["Cache-Control"] = "no-store"
    return response


def _notifications_context(request) -> dict:
    shown = Notification.objects.shown_to(request.user).for_listing()
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    return {"page": page, "notifications": page.object_list, "unread": notifications.unread_count(request.user)}


@login_required
@require_GET
def notification_list(request):
    return _private(render(request, "community/notifications.html", _notifications_context(request)))


@login_required
@require_POST
def mark_read(request, notification_id: int):
    """Mark one of the member's notifications read; another member's id changes nothing (and says 404)."""
    if not notifications.mark_read(request.user, [notification_id]) and not Notification.objects.filter(
        pk=notification_id, recipient=request.user
    ).exists():
        return _private(render(request, "error.html", {"status": 404, "message": "No such notification."}, status=404))
    return _after_marking(request)


@login_required
@require_POST
def mark_all_read(request):
    notifications.mark_read(request.user)
    return _after_marking(request)


def _after_marking(request):
    if request.htmx:
        return _private(render(request, "community/_notification_list.html", {**_notifications_context(request), "oob_count": True}))
    return redirect("community:notifications")


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    if request.method == "POST":
        notifications.set_preferences(
            request.user,
            {kind: (request.POST.get(f"{kind}-site") == "on", request.POST.get(f"{kind}-mail") == "on") for kind in NotificationKind.values},
        )
        messages.success(request, "Notification settings saved.")
        return redirect("community:notification_settings")
    preferences = notifications.preferences_of(request.user)
    rows = [(kind, label, preferences[kind]) for kind, label in NotificationKind.choices]
    context = {"rows": rows, "mail_address": verified_address(request.user), "settings_page": "notifications"}
    return _private(render(request, "community/notification_settings.html", context))


@login_required
@require_GET
def my_papers(request):
    """The papers the member put on a daily page, newest first."""
    entries = DailyEntry.objects.filter(submitted_by=request.user).for_listing().order_by("-submitted_at", "-pk")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return _private(render(request, "community/my_papers.html", {"page": page, "entries": page.object_list}))


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    """Delete the member's account after they type their password again (a stolen session alone
    cannot). What goes and what stays is stated on the page and in ``community.deletion``."""
    error = ""
    if request.method == "POST":
        try:
            count_per_minute(request.user.pk, scope="delete-account")
        except RateLimited as exc:
            return too_many_requests(exc)
        if request.POST.get("confirm") != "delete":
            error = "Tick the box to confirm."
        elif not request.user.check_password(request.POST.get("password", "")):
            error = "That is not your password."
        else:
            user = request.user
            logout(request)
            delete_member(user)
            messages.success(request, "Your account is deleted. Your comments stay, signed “[deleted member]”.")
            return redirect("/")
    status = 400 if error else 200
    return _private(render(request, "community/delete_account.html", {"error": error, "settings_page": "delete"}, status=status))
