"""Request observation (id, access log, metrics) and the probe shortcut; first in MIDDLEWARE."""

from __future__ import annotations

import logging
import time

from django.urls import Resolver404, resolve

from dailypapers.ops import metrics
from dailypapers.ops.logs import current_request_id, request_id_from

access_log = logging.getLogger("dailypapers.access")

# Answered ahead of the rest of the stack (see ops.views), by route name for the metrics.
PROBE_PATHS = {"/healthz": "healthz", "/readyz": "readyz", "/metrics": "metrics"}


class RequestObservationMiddleware:
    """Gives each request an id (a valid ``X-Request-ID`` sent by the proxy or client, else a new
    one), which every log line written while serving it carries and the response echoes; after the
    response, writes one access log line (``dailypapers.access``, INFO; probes at DEBUG) and counts the
    request in the metrics by route name and status class."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = request_id
        token = current_request_id.set(request_id)
        start = time.perf_counter()
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - start
            response["X-Request-ID"] = request_id
            route = route_name(request)
            metrics.REQUESTS.observe(route, response.status_code, seconds)
            access_log.log(
                logging.DEBUG if route in PROBE_PATHS.values() else logging.INFO,
                "%s %s %s %.1fms", request.method, request.path, response.status_code, seconds * 1000,
                extra={"method": request.method, "path": request.path, "status": response.status_code,
                       "duration_ms": round(seconds * 1000, 2), "route": route},
            )
            return response
        finally:
            current_request_id.reset(token)


def route_name(request) -> str:
    """The URL pattern's name (its view's dotted path when unnamed); ``unmatched`` when no route
    matches (a 404 from the resolver), so the label's values stay bounded."""
    probe = getattr(request, "probe_route", None)
    if probe:
        return probe
    match = getattr(request, "resolver_match", None)
    if match is None:
        # Answered before the URL was resolved (a page-cache hit, a middleware's refusal): resolve it
        # now, so a page counts under its own name whether or not it came from the cache.
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return "unmatched"
    return match.view_name


class ProbeMiddleware:
    """Answers /healthz, /readyz and /metrics before host checks, https redirects, sessions and the
    page cache run: load balancers and scrapers address hosts by IP, over plain http."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        route = PROBE_PATHS.get(request.path_info)
        if route is None or request.method not in {"GET", "HEAD"}:
            return self.get_response(request)
        from dailypapers.ops import views

        request.probe_route = route
        view = {"healthz": views.healthz, "readyz": views.readyz, "metrics": views.metrics_view}[route]
        try:
            response = view(request)
        except Exception as exc:  # Http404 from /metrics; anything else is a 500 like any view's
            from django.http import Http404, HttpResponse, HttpResponseServerError

            if isinstance(exc, Http404):
                response = HttpResponse("Not found.\n", status=404, content_type="text/plain; charset=utf-8")
            else:
                logging.getLogger("django.request").exception("probe %s failed", route)
                response = HttpResponseServerError("Internal error.\n", content_type="text/plain; charset=utf-8")
        if request.method == "HEAD":
            response.content = b""
        return response
