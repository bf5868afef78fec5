"""The methods the site speaks, on every route (the URL walk): ``TRACE`` and other methods it does
not serve are a 405 with ``Allow``; ``OPTIONS`` is a bodiless 204 with ``Allow`` (before, both
returned a feed's whole content). CORS: the read-only endpoints (APIs, feeds, a paper's markdown)
are readable from any origin, with a preflight that allows reads only; writes carry no CORS header."""

import re

import pytest

pytestmark = pytest.mark.django_db

READABLE = re.compile(r"^/(?:api/|feeds/|papers/[^/]+\.md$)")


def test_trace_and_unknown_methods_are_405_and_options_is_bodiless_everywhere(client, routed_site):
    failures = []
    for route in routed_site["routes"]:
        for method in ("TRACE", "PROPFIND", "CONNECT"):
            response = client.generic(method, route.url)
            if response.status_code != 405 or "Allow" not in response or b"<item>" in response.content or b"<entry>" in response.content:
                failures.append(f"{method} {route.url}: {response.status_code} {response.content[:80]!r}")
        options = client.options(route.url, HTTP_ORIGIN="https://elsewhere.example")
        if options.status_code not in (204, 404) or options.content or (options.status_code == 204 and "GET" not in options["Allow"]):
            failures.append(f"OPTIONS {route.url}: {options.status_code} {options.content[:80]!r}")
    assert not failures, "\n".join(failures)


def test_feeds_answer_only_reads(client, routed_site):
    for url in ("/feeds/daily.rss", "/feeds/trending.atom"):
        assert client.get(url).status_code == 200
        for method in ("post", "put", "delete"):
            response = getattr(client, method)(url)
            assert response.status_code in (403, 405) and b"<item>" not in response.content, (method, url)


def test_reads_are_readable_from_any_origin_and_writes_from_none(client, routed_site):
    origin = {"HTTP_ORIGIN": "https://elsewhere.example"}
    readable = [r.url for r in routed_site["routes"] if READABLE.match(r.url)]
    assert len(readable) >= 20
    for url in readable:
        response = client.get(url, **origin)
        assert response.get("Access-Control-Allow-Origin") == "*", (url, response.status_code)
        preflight = client.options(url, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST", **origin)
        assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD", url  # a POST is not let through
    auth = {"HTTP_AUTHORIZATION": f"Bearer {routed_site['raw']}", **origin}
    paper = routed_site["paper"].pk
    write = client.post(f"/api/v1/papers/{paper}/upvote", **auth)
    assert write.status_code == 200 and "Access-Control-Allow-Origin" not in write
    me = client.get("/api/v1/me", **auth)
    assert me.status_code == 200 and me["Access-Control-Allow-Origin"] == "*"
    assert "Link" in client.get("/api/papers?limit=1", **origin)["Access-Control-Expose-Headers"]
    page = client.get(f"/papers/{paper}", **origin)
    assert "Access-Control-Allow-Origin" not in page  # pages are not an API
