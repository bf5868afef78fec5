"""Which pages the page cache serves is said by their views (``@cached_page``): the whole URLconf, enumerated.

``BEFORE`` is what the URL regexes of ``pagecache.py`` cached until the views said it themselves
(each route's name, tried with a sample path of the route: "members" where members were served the
cached page too, "anonymous" where only readers without a session were). The views' marks must say
the same, except for ``NEVER_STORED``: routes the regexes matched whose GET never answers a 200, so
nothing of theirs was ever kept. A page added to (or dropped from) the cache changes ``EXPECTED``
on purpose, here, in review.
"""

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from dailypapers.lib.pagecache.policy import view_policy
from tests.papers.factories import make_paper

BEFORE = {
    "home": "members", "papers:papers": "members", "papers/": "members", "papers:day": "members",
    "papers:week": "members", "papers:month": "members", "papers:trending": "members", "papers:about_ranking": "members",
    "papers:date_picker": "anonymous", "papers:organization": "anonymous", "papers:paper": "anonymous",
    "hf_daily_papers": "anonymous", "hf_paper": "anonymous", "hf_paper_comment": "anonymous", "paper_markdown": "anonymous",
    "hf_openapi": "anonymous",  # the HF-compatible API's OpenAPI document (issue 29)
    "api-v1:openapi-json": "anonymous", "api-v1:openapi-view": "anonymous", "api-v1:list_papers": "anonymous",
    "api-v1:paper_similar": "anonymous", "api-v1:paper_comments": "anonymous", "api-v1:post_comment": "anonymous",
    "api-v1:paper_detail": "anonymous", "api-v1:claim_author": "anonymous", "api-v1:latest_day": "anonymous",
    "api-v1:day": "anonymous", "api-v1:week": "anonymous", "api-v1:month": "anonymous", "api-v1:trending": "anonymous",
    "api-v1:list_organizations": "anonymous", "api-v1:organization_detail": "anonymous",
    "api-v1:organization_papers": "anonymous", "api-v1:public_collection": "anonymous",
    **{f"feed_{kind}_{fmt}": "members" for kind in ("daily", "trending", "organization", "category") for fmt in ("rss", "atom")},
}  # fmt: skip
NEVER_STORED = {
    "papers:date_picker",  # a redirect to the day, or a 400
    "hf_paper_comment",  # POST only: a GET is a 405
    "api-v1:claim_author",  # POST only: a GET is a 405
}
# api-v1:post_comment stays: it is the POST of /api/v1/papers/{id}/comments, whose GET (paper_comments) is cached.
EXPECTED = {name: how for name, how in BEFORE.items() if name not in NEVER_STORED}
# Added since: the full-text reading view (issue 27), cached like the paper's markdown.
EXPECTED["papers:paper_read"] = "anonymous"


def url_patterns(patterns=None, namespace=""):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from url_patterns(p.url_patterns, inner)
        elif isinstance(p, URLPattern):
            yield (f"{namespace}{p.name}" if p.name else str(p.pattern)), p.callback


def test_the_cached_views_are_those_cached_before():
    cached = {}
    for name, view in url_patterns():
        policy = view_policy(view, "GET")
        if policy is not None:
            cached[name] = "members" if policy.members else "anonymous"
    assert cached == EXPECTED


def test_a_write_method_of_a_cached_path_is_not_cached():
    views = dict(url_patterns())
    assert view_policy(views["api-v1:paper_comments"], "GET") is not None
    assert view_policy(views["api-v1:paper_comments"], "POST") is None


def test_an_old_style_paper_id_is_served_from_the_cache_as_any_paper(db):
    """The regexes took one path segment for a paper id, so /papers/hep-th/9901001 was rendered on
    every request; the view's mark covers every id its route takes."""
    paper = make_paper(id="hep-th/9901001", day=timezone.localdate())
    reader = Client()
    first = reader.get(f"/papers/{paper.pk}")
    second = reader.get(f"/papers/{paper.pk}")
    assert first.status_code == second.status_code == 200
    assert first["Cache-Control"] == "private, no-cache"  # a cached page with a CSRF token in it
    assert reader.get(f"/papers/{paper.pk}", HTTP_IF_NONE_MATCH=second["ETag"]).status_code == 304
