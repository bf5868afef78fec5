"""Topic trends as a page (``/trends``, the chart drawn on the server) and a CSV download."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from dailypapers.enrichment import trends as t
from dailypapers.lib.pagecache import cached_page
from dailypapers.lib.ratelimit import RateLimited, check_search_rate, too_many_requests

EXAMPLES = (("diffusion", "transformer"), ("category:cs.CL", "category:cs.CV"))


def _topics(request) -> list[t.Topic]:
    return t.parse_topics(request.GET.getlist("q"), request.GET.getlist("category"))


def _refused(request, status: int, message: str) -> HttpResponse:
    return render(request, "error.html", {"status": status, "message": message}, status=status)


@require_GET
@cached_page(members=True)
def trends_page(request):
    try:
        topics = _topics(request)
    except t.BadTrends as exc:
        return _refused(request, 400, str(exc))
    context = {"topics": topics, "max_topics": t.MAX_TOPICS, "examples": EXAMPLES, "inputs": _inputs(topics)}
    if topics:
        try:
            check_search_rate(request)  # counting is the search backend's work, as a search is
        except RateLimited as exc:
            return too_many_requests(exc, _refused(request, 429, str(exc)))
        trends = t.compute(topics)
        query = request.GET.urlencode()
        context.update(
            trends=trends,
            chart=mark_safe(t.svg(trends)) if not trends.empty else "",  # every text in it is escaped by t.svg
            yearly=t.yearly(trends),
            csv_query=query,
        )
    return render(request, "enrichment/trends.html", context)


def _inputs(topics: list[t.Topic]) -> list[str]:
    """The form's boxes: the topics compared, then empty ones up to the maximum."""
    values = [topic.query_value for topic in topics]
    return values + [""] * (t.MAX_TOPICS - len(values))


@require_GET
@cached_page
def trends_csv(request):
    try:
        topics = _topics(request)
    except t.BadTrends as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    if not topics:
        return HttpResponse("name a topic: ?q=words (or ?category=cs.CL), up to three", status=400, content_type="text/plain; charset=utf-8")
    try:
        check_search_rate(request)
    except RateLimited as exc:
        return too_many_requests(exc, HttpResponse(str(exc), status=429, content_type="text/plain; charset=utf-8"))
    response = HttpResponse(t.as_csv(t.compute(topics)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="trends.csv"'
    return response
