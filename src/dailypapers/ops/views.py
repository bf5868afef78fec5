"""The operator's endpoints: /healthz, /readyz, /metrics (docs/deploy.md, "Probes and metrics").

They are answered by ``ProbeMiddleware`` ahead of the rest of the middleware (so a load balancer
probing by IP address is not refused as a disallowed host, an http probe is not redirected to https,
and no session or page cache is touched); the URLconf routes them too, so they work without it.
"""

from __future__ import annotations

import ipaddress
import json
from functools import lru_cache

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache

from dailypapers.lib.ratelimit import client_address
from dailypapers.lib.tolerant_cache import recent_failure
from dailypapers.ops import checks, metrics


@never_cache
def healthz(request):
    """The process is alive and answering. Touches nothing else (no database), so a database outage
    does not make an orchestrator restart every web process; says "degraded" when this process's
    cache failed in the last minute."""
    failure = recent_failure()
    if failure is None:
        return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
    # Still 200: the process serves (uncached); restarting it would not free a disk. Monitors read
    # the body or the header; /readyz fails its cache check meanwhile.
    response = HttpResponse(f"degraded: the cache is failing, pages are served uncached ({failure})\n",
                            content_type="text/plain; charset=utf-8")
    response["X-Degraded"] = "cache"
    return response


@never_cache
def readyz(request):
    """200 when this process can serve (database, migrations, search backend, cache), else 503;
    the JSON body lists each check. What failed and why (error texts can name database hosts and
    users) only for those who may read the metrics; anyone else sees which checks passed."""
    ok, results = checks.run_checks()
    if not metrics_allowed(request):
        results = {name: {"ok": result["ok"]} for name, result in results.items()}
    body = json.dumps({"status": "ready" if ok else "not ready", "checks": results}, indent=1)
    return HttpResponse(body, status=200 if ok else 503, content_type="application/json")


@never_cache
def metrics_view(request):
    """Prometheus metrics, for allowed networks or the bearer token only (404 for anyone else)."""
    if not metrics_allowed(request):
        raise Http404("no such page")
    return HttpResponse(metrics.render(), content_type=metrics.CONTENT_TYPE)


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def metrics_allowed(request) -> bool:
    token = settings.DAILYPAPERS_METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer ") and constant_time_compare(header.removeprefix("Bearer ").strip(), token):
        return True
    if request.META.get("HTTP_X_FORWARDED_FOR") and not settings.DAILYPAPERS_TRUSTED_PROXIES:
        # Forwarded by a proxy this site does not know (often one on loopback): the client behind it
        # is unknown, so loopback says nothing about who asks.
        return False
    try:
        address = ipaddress.ip_address(client_address(request).strip("[]"))
    except ValueError:
        return False
    return any(address in network for network in _networks(tuple(settings.DAILYPAPERS_METRICS_ALLOW)))
