"""Search pages: results with highlights and paging, suggestions as you type, similar papers.

Thin on purpose: parameters are read by :mod:`dailypapers.search.params`, searching is the backend.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from dailypapers.lib.ratelimit import RateLimited, check_search_rate, too_many_requests
from dailypapers.papers.models import Organization, Paper
from dailypapers.papers.services import mark_member_state
from dailypapers.search import get_backend
from dailypapers.search.params import PAGE, SUGGESTIONS, InvalidSearch
from dailypapers.search.services import SIMILAR_SORTS, papers_for_hits, similar_papers

SIMILAR = 6


def _refuse(request, status: int, message: str, template: str = "error.html") -> HttpResponse:
    return render(request, template, {"status": status, "message": message}, status=status)


def _limited(request) -> HttpResponse | None:
    try:
        check_search_rate(request)
    except RateLimited as exc:
        return too_many_requests(exc, _refuse(request, 429, str(exc)))
    return None


@require_GET
def search_page(request):
    if limited := _limited(request):
        return limited
    try:
        query = PAGE.parse(request.GET)
    except InvalidSearch as exc:
        return _refuse(request, 400, str(exc))
    context = {"query": query, "q": query.text, "organizations": Organization.objects.order_by("name")}
    if query.text:
        results = get_backend().search(query)
        if results.exact_paper_id and query.offset == 0:
            return redirect("papers:paper", results.exact_paper_id)
        papers = papers_for_hits(results.hits)
        # The same upvote and save controls as the day cards, showing this reader's own state.
        mark_member_state(request.user, papers)
        context.update(
            results=results,
            papers=papers,
            first=query.offset + 1,
            last=query.offset + len(papers),
            previous_offset=max(0, query.offset - query.limit) if query.offset else None,
            next_offset=query.offset + query.limit if query.offset + query.limit < results.total and len(results.hits) == query.limit else None,
        )
        params = request.GET.copy()
        params.pop("offset", None)
        params.pop("page", None)
        context["paging_query"] = params.urlencode()
        if results.did_you_mean:
            corrected, as_typed = params.copy(), params.copy()
            corrected["q"] = results.did_you_mean
            as_typed["spelling"] = "off"
            context.update(did_you_mean_query=corrected.urlencode(), as_typed_query=as_typed.urlencode())
    return render(request, "search/search.html", context)


@require_GET
def suggest(request):
    """The header box's dropdown (htmx): the best few matches for what has been typed so far."""
    if limited := _limited(request):
        return limited
    try:
        query = SUGGESTIONS.parse(request.GET)
    except InvalidSearch as exc:
        return render(request, "search/_suggestions.html", {"error": str(exc)}, status=400)
    if len(query.text) < 2:
        return render(request, "search/_suggestions.html", {"papers": [], "q": query.text})
    results = get_backend().search(query)
    papers = papers_for_hits(results.hits)
    return render(request, "search/_suggestions.html", {"papers": papers, "q": query.text, "results": results})


@require_GET
def similar(request, paper_id: str):
    """Nearest neighbours of a paper's own vector, loaded into its page by htmx; ``?sort=`` relevance
    (default), recency or popularity (``search.services.similar_papers``)."""
    sort = request.GET.get("sort", "relevance") or "relevance"
    if sort not in SIMILAR_SORTS:
        return _refuse(request, 400, f"sort must be one of {', '.join(SIMILAR_SORTS)}.")
    if not Paper.objects.filter(pk=paper_id).exists():
        return _refuse(request, 404, "Paper not found.")
    papers = similar_papers(paper_id, limit=SIMILAR, sort=sort)
    return render(request, "search/_similar.html", {"papers": papers, "paper_id": paper_id, "sort": sort, "sorts": SIMILAR_SORTS})
