"""Subscribe, confirm, unsubscribe (incl. RFC 8058 one-click), manage, member settings, view in browser."""

from __future__ import annotations

import functools
import smtplib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from dailypapers.digests import services, tokens
from dailypapers.digests.content import IssueContent, Selection, fill_links, request_base_url, subscribe_url
from dailypapers.digests.models import DigestIssue, Frequency
from dailypapers.lib.ratelimit import RateLimited, client_key, count_per_minute, too_many_requests

HONEYPOT_FIELD = "website"


def _bad_token(request, exc: tokens.BadToken, status: int = 400):
    return render(request, "digests/message.html", {"title": "Link not valid", "message": str(exc)}, status=status)


@require_http_methods(["GET", "POST"])
def subscribe(request):
    """The footer box and the stand-alone page. Anyone may subscribe; confirmation is by email."""
    template = "digests/_subscribe_box.html" if request.htmx else "digests/subscribe.html"
    if request.method == "GET":
        return render(request, template, {"frequency": request.GET.get("frequency", Frequency.DAILY)})
    email = request.POST.get("email", "")
    frequency = request.POST.get("frequency") or Frequency.DAILY
    context = {"email": email, "frequency": frequency}
    try:
        count_per_minute(client_key(request), scope="digest-subscribe",
                         per_minute=settings.DAILYPAPERS_DIGEST_SUBSCRIBE_PER_MINUTE)
    except RateLimited as exc:
        return too_many_requests(
            exc, render(request, template, {**context, "error": f"Too many sign-ups from your network; {exc}."})
        )
    if request.POST.get(HONEYPOT_FIELD):
        # A bot filled the field people cannot see: answer as if it worked, do nothing.
        return render(request, template, {**context, "done": True})
    try:
        services.subscribe(email, frequency)
    except services.SubscriptionError as exc:
        return render(request, template, {**context, "error": str(exc)}, status=400)
    except (OSError, smtplib.SMTPException):
        return render(request, template, {**context, "error": "We could not send the confirmation email just now. "
                                                             "Please try again in a few minutes."}, status=503)
    return render(request, template, {**context, "done": True})


def token_link(read_token):
    """A view reached from a mailed link: ``read_token`` turns the signed token into the subscription.

    The signed token is the credential, so these views take no cookie and no CSRF token (mail
    clients POST one-click unsubscribes without either, RFC 8058); a bad token gets a clear page.
    """

    def decorate(view):
        @csrf_exempt
        @require_http_methods(["GET", "POST"])
        @functools.wraps(view)
        def wrapper(request, token: str):
            try:
                sub = read_token(token)
            except tokens.BadToken as exc:
                return _bad_token(request, exc)
            return view(request, sub, token)

        return wrapper

    return decorate


@token_link(tokens.subscription_from_confirm_token)
def confirm(request, sub, token: str):
    if request.method == "POST":
        sub.confirm()
        return render(request, "digests/message.html", {
            "title": "Subscription confirmed",
            "message": f"{sub.email} will get the {sub.get_frequency_display().lower()} digest.",
            "manage_url": manage_path(sub),
        })
    # GET only asks: link scanners in mail systems follow links, and must not subscribe anyone.
    return render(request, "digests/confirm.html", {"subscription": sub, "token": token})


@token_link(tokens.subscription_from_unsubscribe_token)
def unsubscribe(request, sub, token: str):
    if request.method == "POST":
        sub.unsubscribe()
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse("Unsubscribed.\n", content_type="text/plain")
        return render(request, "digests/message.html", {
            "title": "Unsubscribed",
            "message": f"{sub.email} will get no more digests.",
            "manage_url": manage_path(sub),
            "manage_label": "Changed your mind? Subscribe again",
        })
    return render(request, "digests/unsubscribe.html", {"subscription": sub, "token": token})


@token_link(tokens.subscription_from_manage_token)
def manage(request, sub, token: str):
    status = 200
    context = {"subscription": sub, "token": token, "frequencies": Frequency.choices}
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "unsubscribe":
            sub.unsubscribe()
            context["notice"] = "Unsubscribed. You will get no more digests."
        elif action == "resubscribe":
            sub.confirm()  # the link came from this inbox: that is the confirmation
            context["notice"] = "Subscribed again."
        else:
            try:
                services.update_preferences(
                    sub, frequency=request.POST.get("frequency", ""),
                    categories=request.POST.get("categories", ""), query=request.POST.get("query", ""),
                )
                context["notice"] = "Preferences saved."
            except services.SubscriptionError as exc:
                context["error"] = str(exc)
                status = 400
        sub.refresh_from_db()
    return render(request, "digests/manage.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def member_settings(request):
    sub = services.member_subscription(request.user)
    status = 200
    limited = None
    if request.method == "POST":
        try:
            count_per_minute(request.user.pk)
            sub = services.save_member_subscription(
                request.user,
                active=request.POST.get("active") == "on",
                frequency=request.POST.get("frequency", Frequency.DAILY),
                categories=request.POST.get("categories", ""),
                query=request.POST.get("query", ""),
                personal=request.POST.get("personal") == "on",
            )
        except RateLimited as exc:
            messages.error(request, f"Too many changes; {exc}.")
            limited = exc
        except services.SubscriptionError as exc:
            messages.error(request, str(exc))
            status = 400
        except (OSError, smtplib.SMTPException):
            messages.error(request, "We could not send the confirmation email just now; try again in a few minutes.")
            status = 503
        else:
            if sub and not sub.is_receiving and sub.status == "unconfirmed":
                messages.info(request, f"Almost done: confirm with the link we sent to {sub.email}.")
            else:
                messages.success(request, "Digest settings saved.")
            return redirect("digests:settings")
    response = render(request, "digests/settings.html",
                      {"subscription": sub, "frequencies": Frequency.choices}, status=status)
    return too_many_requests(limited, response) if limited else response


def manage_path(sub) -> str:
    return reverse("digests:manage", args=[tokens.manage_token(sub)])


@require_GET
def view_in_browser(request, token: str):
    """The subscriber's own digest, exactly as mailed (the papers recorded on the delivery)."""
    try:
        delivery = tokens.delivery_from_view_token(token)
    except tokens.BadToken as exc:
        return _bad_token(request, exc, status=404)
    base_url = request_base_url(request)
    content = IssueContent(delivery.issue, base_url)
    selection = Selection(tuple(delivery.paper_ids), tuple(tuple(p) for p in delivery.personal_paper_ids))
    html, _ = content.render(selection)
    # No manage or unsubscribe link here: those are in the mail only (a forwarded link is not a key).
    public = subscribe_url(base_url)
    return HttpResponse(fill_links(html, {"unsubscribe_url": public, "manage_url": public,
                                          "view_url": request.build_absolute_uri()}))


@require_GET
def issue_page(request, frequency: str, period_key: str):
    """A sent issue as a public web page: the period's papers without anyone's filters."""
    issue = DigestIssue.objects.filter(frequency=frequency, period_key=period_key).first()
    if issue is None:
        raise Http404("No digest was sent for that period.")
    base_url = request_base_url(request)
    content = IssueContent(issue, base_url)
    html, _ = content.render(content.default, public=True)
    page = request.build_absolute_uri()
    return HttpResponse(fill_links(html, {"unsubscribe_url": subscribe_url(base_url), "manage_url": subscribe_url(base_url),
                                          "view_url": page}))
