"""Pages: For you (with its cold start), Following, an author's papers; the feedback and follow
buttons cards and pages carry. Thin: the rules are in ``ranking``, ``follows`` and ``services``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from dailypapers.discovery import follows as follow_rules
from dailypapers.discovery import services as discover
from dailypapers.discovery.models import Feedback, Follow
from dailypapers.lib.ratelimit import RateLimited, count_per_minute, too_many_requests
from dailypapers.papers.context_processors import safe_return_path
from dailypapers.papers.models import Author, Paper
from dailypapers.papers.services import mark_member_state

STARTER_PAPERS = 12
STARTER_CATEGORIES = 16


def _login_first(request, back: str):
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = f"/accounts/login/?{urlencode({'next': back})}"
        return response
    return redirect_to_login(back)


@login_required
@require_GET
def for_you(request):
    try:
        page = discover.for_you(request.user, limit=20, cursor=request.GET.get("cursor") or None)
    except discover.BadParameter as exc:
        return render(request, "error.html", {"status": 400, "message": str(exc)}, status=400)
    mark_member_state(request.user, page.papers)
    context = {"page": page, "papers": page.papers, "tab": "for_you", "marks": recent_marks(request.user)}
    if page.cold or request.GET.get("start"):
        context.update(starter_choices())
    return render(request, "discovery/for_you.html", context)


MARKS_SHOWN = 50


def recent_marks(user) -> list[Feedback]:
    """The member's latest "more like this" / "not interested" marks, each with its Undo (a marked
    paper leaves the feed, so the feed itself cannot offer it again)."""
    return list(Feedback.objects.filter(user=user).select_related("paper").order_by("-created_at", "-pk")[:MARKS_SHOWN])


def starter_choices() -> dict:
    """What the cold start offers: the recent window's commonest categories and most upvoted papers."""
    from django.conf import settings

    since = follow_rules.window_start(settings.DAILYPAPERS_FOR_YOU_DAYS)
    recent = Paper.objects.filter(published_at__gte=since) if since else Paper.objects.none()
    categories = [
        row["primary_category"]
        for row in recent.exclude(primary_category="").values("primary_category").annotate(n=Count("pk")).order_by("-n")[:STARTER_CATEGORIES]
    ]
    return {"starter_categories": categories, "starter_papers": list(recent.order_by("-upvotes", "-published_at")[:STARTER_PAPERS])}


@login_required
@require_POST
def start(request):
    """The cold start's answers: ``category`` (repeated), ``keywords`` (comma-separated), ``paper`` (repeated)."""
    try:
        count_per_minute(request.user.pk)
        discover.start(
            request.user,
            categories=request.POST.getlist("category")[:50],
            keywords=request.POST.get("keywords", "").split(","),
            paper_ids=request.POST.getlist("paper")[:50],
        )
    except RateLimited as exc:
        return too_many_requests(exc)
    except ValueError as exc:  # BadParameter, FollowError
        return HttpResponseBadRequest(str(exc))
    return redirect("discovery:for_you")


@require_POST
def feedback(request, paper_id: str):
    """``signal`` more / less / none for one paper; htmx gets the control back, others a redirect."""
    paper = get_object_or_404(Paper, pk=paper_id)
    back = safe_return_path(request, request.POST.get("next"), reverse("discovery:for_you"))
    if not request.user.is_authenticated:
        return _login_first(request, back)
    try:
        count_per_minute(request.user.pk)
        signal = discover.set_feedback(request.user, paper, request.POST.get("signal", ""))
    except RateLimited as exc:
        return too_many_requests(exc)
    except discover.BadParameter as exc:
        return HttpResponseBadRequest(str(exc))
    if request.htmx:
        return render(request, "discovery/_feedback.html", {"paper": paper, "feedback": signal})
    return redirect(back)


@require_POST
def follow(request):
    """``kind``, ``target`` and ``action`` (follow / unfollow); htmx gets the button back."""
    back = safe_return_path(request, request.POST.get("next"), reverse("discovery:following"))
    if not request.user.is_authenticated:
        return _login_first(request, back)
    kind, target = request.POST.get("kind", ""), request.POST.get("target", "")
    try:
        count_per_minute(request.user.pk)
        if request.POST.get("action") == "unfollow":
            follow_rules.unfollow(request.user, kind, target)
            following, label = False, request.POST.get("label", target)
        else:
            made, _ = follow_rules.follow(request.user, kind, target)
            following, label, target = True, made.label, made.target
    except RateLimited as exc:
        return too_many_requests(exc)
    except follow_rules.FollowError as exc:
        return HttpResponseBadRequest(str(exc))
    if request.htmx:
        return render(request, "discovery/_follow_button.html", {"kind": kind, "target": target, "label": label[:300], "following": following})
    return redirect(back)


@login_required
@require_GET
def following(request):
    papers, matched = follow_rules.following_papers(request.user)
    for paper in papers:
        paper.reason = follow_rules.reason_for(matched[paper.pk][0])
    mark_member_state(request.user, papers)
    follows = list(Follow.objects.filter(user=request.user))
    for f in follows:
        f.feed_token = discover.feed_token(request.user, f)
    context = {"papers": papers, "follows": follows, "tab": "following", "feed_token": discover.feed_token(request.user)}
    return render(request, "discovery/following.html", context)


@login_required
@require_POST
def revoke_feeds(request):
    discover.revoke_feed_links(request.user)
    return redirect("discovery:following")


@require_GET
def author(request, author_id: int):
    """An author's papers on the site, newest first, with the follow button (claimed or not)."""
    person = get_object_or_404(Author.objects.select_related("user"), pk=author_id)
    papers = list(Paper.objects.filter(authorships__author=person).order_by("-published_at", "pk").for_listing()[:100])
    mark_member_state(request.user, papers)
    return render(request, "discovery/author.html", {"author": person, "papers": papers})


def follow_state(user, kind: str, target: str) -> bool:
    return bool(user.is_authenticated) and Follow.objects.filter(user=user, kind=kind, target=target).exists()
