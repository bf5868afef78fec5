"""A member's own pages: notifications (list, mark read, preferences), the papers they submitted, and
deleting their account. Each acts only on the signed-in member's own rows."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dailypapers.accounts.addresses import verified_address
from dailypapers.community import notifications
from dailypapers.community.deletion import delete_member
from dailypapers.community.models import Notification, NotificationKind
from dailypapers.lib.ratelimit import RateLimited, client_key, count_per_minute, too_many_requests
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
    from dailypapers.ingest.models import SubmissionFetch

    entries = DailyEntry.objects.filter(submitted_by=request.user).for_listing().order_by("-submitted_at", "-pk")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    # Submissions the worker fetches (or could not): where each stands, until it is on its page.
    fetches = SubmissionFetch.objects.filter(user=request.user).exclude(state=SubmissionFetch.State.PLACED)[:PAGE_SIZE]
    context = {"page": page, "entries": page.object_list, "fetches": fetches if page.number == 1 else []}
    return _private(render(request, "community/my_papers.html", context))


@require_http_methods(["GET", "POST"])
def delete_account(request):
    """Delete the member's account after they type their password again (a stolen session alone
    cannot). What goes and what stays is stated on the page and in ``community.deletion``.

    A banned member cannot log in, so cannot reach their settings: they delete their account here
    with their username (or e-mail) and password, which is all a login asks of them (only banned,
    that is inactive, accounts go this way; anyone else is asked to log in)."""
    error = ""
    signed_in = request.user.is_authenticated
    if request.method == "POST":
        try:
            count_per_minute(client_key(request), scope="delete-account", per_minute=10)
        except RateLimited as exc:
            return too_many_requests(exc)
        user = request.user if signed_in else _banned_member(request.POST.get("login", ""), request.POST.get("password", ""))
        if request.POST.get("confirm") != "delete":
            error = "Tick the box to confirm."
        elif signed_in and not user.check_password(request.POST.get("password", "")):
            error = "That is not your password."
        elif user is None:
            error = "No banned account has that name and password. If you can log in, log in and delete it from your settings."
        else:
            if signed_in:
                logout(request)
            delete_member(user)
            messages.success(request, "Your account is deleted. Your comments stay, signed “[deleted member]”.")
            return redirect("/")
    elif not signed_in and not request.GET.get("banned"):
        return redirect_to_login(request.get_full_path())
    status = 400 if error else 200
    context = {"error": error, "settings_page": "delete", "signed_in": signed_in}
    return _private(render(request, "community/delete_account.html", context, status=status))


def _banned_member(login: str, password: str):
    """The banned (inactive) account with this username or e-mail and password, or None."""
    from django.contrib.auth import get_user_model

    login = login.strip()
    if not login or not password:
        return None
    users = get_user_model().objects.filter(is_active=False)
    user = users.filter(username__iexact=login).first() or users.filter(email__iexact=login).first()
    if user is None:
        get_user_model()().set_password(password)  # the same time whether or not the name exists
        return None
    return user if user.check_password(password) else None
