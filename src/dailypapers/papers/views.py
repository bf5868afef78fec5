"""Pages of the daily feed: day / week / month, trending, paper, organization, about ranking."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from dailypapers.lib.pagecache import cached_page
from dailypapers.lib.ratelimit import RateLimited, count_per_minute, too_many_requests
from dailypapers.papers import pending_votes
from dailypapers.papers.as_markdown import markdown_response, wants_markdown
from dailypapers.papers.context_processors import safe_return_path
from dailypapers.papers.models import DailyEntry, Organization, Paper, PaperFullText
from dailypapers.papers.organizations import membership_overview
from dailypapers.papers.periods import BadPeriod, Period, parse_period, period_containing
from dailypapers.papers.ranking import TrendingRanker
from dailypapers.papers.services import (
    EntryFilters,
    filter_facets,
    filter_organizations,
    latest_day_with_entries,
    mark_member_state,
    period_entries,
    set_upvote,
    trending_entries,
    trending_ranking,
)


def _with_votes(request, entries):
    entries = list(entries)
    mark_member_state(request.user, [e.paper for e in entries])
    return entries


def _facets(filters: EntryFilters, start, end) -> dict:
    facets = filter_facets(start, end)
    return {**facets, "offers_category": any(c["name"] == filters.category for c in facets["categories"])}


PAGE_SIZE = 50
MAX_PAGES_AT_ONCE = 10  # a full load of ?page=N shows pages 1..N up to this; past it, page N alone


def _period_page(request, period: Period, *, is_home: bool = False):
    filters = EntryFilters.from_query(request.GET)
    entries = period_entries(period, filters).for_listing()
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    load_more = bool(request.htmx and request.htmx.target == "load-more")
    if not load_more and 1 < page.number <= MAX_PAGES_AT_ONCE:
        # "Show more" puts ?page=N in the address bar, so Back (and a reload or a shared link) comes
        # here: the page then shows everything up to page N, and the reader is where they were.
        page.object_list = entries[: page.end_index()]
        page.shown_from_start = True
    page.object_list = _with_votes(request, page.object_list)
    today = timezone.localdate()
    newest = []
    no_entries_anywhere = not page.object_list and not DailyEntry.objects.exists()
    if no_entries_anywhere:
        # Nothing was ever submitted (a site loaded from the snapshot or a harvest alone): rather
        # than an empty page, the newest papers by announcement date, and how the daily page fills.
        newest = list(filters.apply_to_papers(Paper.objects.filter(withdrawn_at__isnull=True))
                      .order_by("-published_at", "-pk").for_listing()[:PAGE_SIZE])
        mark_member_state(request.user, newest)
    context = {
        "newest_papers": newest,
        "no_entries_anywhere": no_entries_anywhere,
        "period": period,
        "page": page,
        "entries": page.object_list,
        "more_url": f"?{filters.as_query(page=page.next_page_number())}" if page.has_next() else "",
        "filters": filters,
        "filter_organizations": filter_organizations(period.start, period.end),
        "filter_facets": _facets(filters, period.start, period.end),
        "is_home": is_home,
        "today": today,
        "previous": period.previous(),
        "next": period.next() if period.end < today else None,
        "views": {
            "day": period_containing("day", min(period.end, today)),
            "week": period_containing("week", min(period.end, today)),
            "month": period_containing("month", min(period.end, today)),
        },
    }
    if load_more:
        return render(request, "papers/_entry_page.html", context)
    return render(request, "papers/period.html", context)


@cached_page(members=True)
@require_GET
def home(request):
    """Today's page, or the latest day that has papers (arXiv has no papers on weekends)."""
    today = timezone.localdate()
    day = today if DailyEntry.objects.filter(date=today).exists() else (latest_day_with_entries() or today)
    return _period_page(request, period_containing("day", day), is_home=True)


@cached_page(members=True)
@require_GET
def period_page(request, kind: str, key: str):
    try:
        period = parse_period(kind, key)
    except BadPeriod as exc:
        raise Http404(str(exc)) from None
    return _period_page(request, period)


@require_GET
def date_picker(request):
    """Target of the date picker form: ``/papers/date?date=YYYY-MM-DD`` redirects to that day."""
    value = request.GET.get("date", "")
    try:
        period = parse_period("day", value)
    except BadPeriod as exc:
        return HttpResponseBadRequest(
            render_to_string("error.html", {"status": 400, "message": str(exc)}, request=request)
        )
    return redirect(period.url())


@cached_page(members=True)
@require_GET
def trending(request):
    """Ranked once per change (``trending_ranking``); a page of it is one listing query."""
    filters = EntryFilters.from_query(request.GET)
    ranker = TrendingRanker.from_settings()
    page = Paginator(trending_ranking(filters, ranker), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "entries": _with_votes(request, trending_entries(page.object_list)),
        "no_entries_anywhere": not page.object_list and not DailyEntry.objects.exists(),
        "page": page,
        "ranker": ranker,
        "filters": filters,
        "filter_organizations": filter_organizations(timezone.localdate() - dt.timedelta(days=ranker.window_days), timezone.localdate()),
        "filter_facets": _facets(filters, timezone.localdate() - dt.timedelta(days=ranker.window_days), timezone.localdate()),
        "today": timezone.localdate(),
        "previous_url": f"?{filters.as_query(page=page.previous_page_number())}" if page.has_previous() else "",
        "next_url": f"?{filters.as_query(page=page.next_page_number())}" if page.has_next() else "",
    }
    return render(request, "papers/trending.html", context)


@cached_page
@require_GET
def paper_detail(request, paper_id: str):
    if wants_markdown(request):  # never from the page cache (lib.pagecache reads the same header)
        response = markdown_response(request, paper_id)
        patch_vary_headers(response, ["Accept"])
        return response
    # The full text's status only (the page links the reading view or says there is none), in the same query.
    papers = Paper.objects.select_related("organization", "full_text").defer(
        "full_text__markdown", "full_text__sections", "full_text__references")
    paper = get_object_or_404(papers, pk=paper_id)
    mark_member_state(request.user, [paper])
    entry = DailyEntry.objects.filter(paper=paper).select_related("organization", "submitted_by").first()
    response = render(
        request,
        "papers/paper_detail.html",
        {"paper": paper, "authors": paper.authorships_in_order(), "entry": entry},
    )
    patch_vary_headers(response, ["Accept"])  # the same URL answers markdown to Accept: text/markdown
    return response


@cached_page
@require_GET
def paper_read(request, paper_id: str):
    """The paper's full text (from arXiv's HTML, when the operator turned full text on), or why there is none."""
    paper = get_object_or_404(Paper, pk=paper_id)
    full_text = PaperFullText.objects.filter(paper=paper).first()
    return render(request, "papers/paper_read.html", {"paper": paper, "full_text": full_text},
                  status=200 if full_text and full_text.status == PaperFullText.Status.OK else 404)  # fmt: skip


@require_GET
def thumbnail(request, paper_id: str):
    """The rendered first page (papers.thumbnails): PNG by its bytes, never the storage's guess.
    The URL carries the file's name (``Paper.thumbnail_url``), so it may be cached for long."""
    from django.core.files.storage import default_storage

    from dailypapers.lib.images import MAX_IMAGE_BYTES, PNG_SIGNATURE

    name = Paper.objects.filter(pk=paper_id).values_list("thumbnail", flat=True).first()
    if not name or not default_storage.exists(name):
        raise Http404("No thumbnail.")
    with default_storage.open(name, "rb") as stored:
        data = stored.read(MAX_IMAGE_BYTES + 1)
    if not data.startswith(PNG_SIGNATURE) or len(data) > MAX_IMAGE_BYTES:
        raise Http404("No thumbnail.")
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = "public, max-age=604800"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@cached_page
@require_GET
def organization_detail(request, slug: str):
    org = get_object_or_404(Organization, slug=slug)
    papers = (
        Paper.objects.filter(Q(organization=org) | Q(daily_entry__organization=org))
        .distinct()
        .order_by("-upvotes", "-published_at")
        .select_related("organization")
        .with_authors()
    )[:200]
    papers = list(papers)
    mark_member_state(request.user, papers)
    context = {"organization": org, "papers": papers, "membership": membership_overview(org, request.user)}
    return render(request, "papers/organization.html", context)


@cached_page(members=True)
@require_GET
def about_ranking(request):
    ranker = TrendingRanker.from_settings()
    examples = [
        (votes, hours, ranker.score(votes, hours)) for votes, hours in [(10, 2), (10, 24), (50, 24), (50, 72), (200, 168)]
    ]
    return render(request, "papers/about_ranking.html", {"ranker": ranker, "examples": examples})


@require_POST
def upvote(request, paper_id: str):
    """Set the member's vote (``voted=1`` or ``0``). Returns the button for htmx, else redirects back."""
    paper = get_object_or_404(Paper, pk=paper_id)
    back = safe_return_path(request, request.POST.get("next"), paper.get_absolute_url())
    if not request.user.is_authenticated:
        if request.POST.get("voted") == "1":
            pending_votes.remember(request, paper.pk)  # cast once they have signed in
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = f"/accounts/login/?{urlencode({'next': back})}"
            return response
        return redirect_to_login(back)
    if request.POST.get("voted") not in {"0", "1"}:
        return HttpResponseBadRequest("voted must be 0 or 1")
    try:
        count_per_minute(request.user.pk)
    except RateLimited as exc:
        return too_many_requests(exc)
    paper = set_upvote(request.user, paper, request.POST["voted"] == "1")
    paper.voted = request.POST["voted"] == "1"
    if request.htmx:
        # On the paper's own page the facts repeat the count: it moves with the button (out of band).
        on_its_page = request.htmx.current_url_abs_path and request.htmx.current_url_abs_path.split("?")[0] == paper.get_absolute_url()
        return render(request, "papers/_upvote.html", {"paper": paper, "with_total": bool(on_its_page)})
    return redirect(back)


def error_404(request, exception=None):
    message = str(exception) if exception and "Resolver404" not in type(exception).__name__ else ""
    return render(request, "error.html", {"status": 404, "message": message or "Page not found."}, status=404)


def error_500(request):
    return render(request, "error.html", {"status": 500, "message": "Something went wrong on our side."}, status=500)


def error_400(request, exception=None):
    # The 400 may be the query string itself (too many fields): templates that read request.GET
    # would raise again while rendering this page, turning it into a 500.
    request.GET = QueryDict()
    return render(request, "error.html", {"status": 400, "message": "Bad request."}, status=400)


def error_403(request, exception=None):
    return render(request, "error.html", {"status": 403, "message": "Forbidden."}, status=403)

