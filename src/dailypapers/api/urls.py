"""Routes of the open interfaces. Included before ``papers.urls``: ``/papers/<id>.md`` must win
over the paper page's catch-all id pattern."""

from django.urls import path, re_path

from dailypapers.api import hf, hf_openapi
from dailypapers.api.feeds import FEEDS, atom
from dailypapers.api.native import api
from dailypapers.api.private_feeds import PrivateFeed
from dailypapers.papers.identifiers import CATEGORY_PATTERN
from dailypapers.papers.urls import ORGANIZATION_SLUG, PAPER_ID

# No app namespace: django-ninja reverses its own "api-v1" namespace from the root.

CATEGORY = rf"(?P<category>{CATEGORY_PATTERN})"  # too long a one is the feed's 404

# Each feed is served as RSS at ``<prefix>.rss`` and as Atom at ``<prefix>.atom``.
feed_prefixes = {
    "daily": r"feeds/daily",
    "trending": r"feeds/trending",
    "organization": rf"feeds/organizations/{ORGANIZATION_SLUG}",
    "category": rf"feeds/categories/{CATEGORY}",
    "search": r"feeds/search",
}

urlpatterns = [
    path("api/openapi.json", hf_openapi.openapi_json, name="hf_openapi"),
    path("api/daily_papers", hf.daily_papers, name="hf_daily_papers"),
    path("api/papers/search", hf.papers_search, name="hf_papers_search"),
    path("api/papers", hf.papers_list, name="hf_papers_list"),
    path("api/papers/index", hf.papers_index, name="hf_papers_index"),
    re_path(rf"^api/papers/{PAPER_ID}/links$", hf.paper_links, name="hf_paper_links"),
    re_path(rf"^api/arxiv/{PAPER_ID}/repos$", hf.arxiv_repos, name="hf_arxiv_repos"),
    re_path(rf"^api/papers/{PAPER_ID}$", hf.paper_info, name="hf_paper"),
    re_path(rf"^api/papers/{PAPER_ID}/comment$", hf.paper_comment, name="hf_paper_comment"),
    re_path(rf"^api/papers/{PAPER_ID}/comment/(?P<comment_id>[0-9]+)/reply$", hf.paper_comment_reply, name="hf_paper_comment_reply"),
    re_path(rf"^papers/{PAPER_ID}\.md$", hf.paper_md, name="paper_markdown"),
    path("api/settings/papers/claim", hf.claim_paper_author, name="hf_claim_paper_author"),
    path("api/v1/", api.urls),
]
for kind, prefix in feed_prefixes.items():
    urlpatterns += [
        re_path(rf"^{prefix}\.rss$", FEEDS[kind](), name=f"feed_{kind}_rss"),
        re_path(rf"^{prefix}\.atom$", atom(FEEDS[kind])(), name=f"feed_{kind}_atom"),
    ]
# A member's private feeds: the signed token is the credential (api.private_feeds).
urlpatterns += [
    re_path(r"^feeds/me/(?P<token>[A-Za-z0-9._:\-]{1,200})\.rss$", PrivateFeed(), name="feed_private_rss"),
    re_path(r"^feeds/me/(?P<token>[A-Za-z0-9._:\-]{1,200})\.atom$", atom(PrivateFeed)(), name="feed_private_atom"),
]
# Last: unknown URLs under /api/ (and ids that match no route) get JSON, not the HTML error page.
urlpatterns.append(re_path(r"^api/", hf.api_not_found))
