"""The assistant interface: an MCP server (the official ``mcp`` SDK) over this site's services.

Tools: ``search_papers``, ``daily_papers``, ``trending_papers``, ``paper_markdown`` and, for a
member, ``my_feed`` ("for you", ``discovery.services``) and ``my_collections``. A client of the
services like the APIs (the api room): it reads what the pages and APIs read, with their rules.

``dailypapers mcp`` runs it over stdio (an assistant launches it; the member's token from
``--token`` or ``DAILYPAPERS_MCP_TOKEN``) or streamable HTTP (``--http``: each request's
``Authorization: Bearer dp_…`` names the member; without a header, the configured token, if any).
docs/mcp.md has the set-up and every tool.

Tools run in the SDK's worker threads (a synchronous tool is run by ``anyio.to_thread``), where
Django's ORM is allowed; each call closes connections that went stale, as a request would.
"""

from __future__ import annotations

import datetime as dt
import os

from django.db import close_old_connections
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from dailypapers.accounts.models import ApiToken
from dailypapers.api.hf import load_paper
from dailypapers.discovery import services as discover
from dailypapers.papers import collections
from dailypapers.papers.as_markdown import paper_markdown as render_markdown
from dailypapers.papers.identifiers import parse_paper_id
from dailypapers.papers.models import DailyEntry
from dailypapers.papers.periods import BadPeriod, parse_period
from dailypapers.papers.ranking import TrendingRanker
from dailypapers.papers.services import EntryFilters, latest_day_with_entries, period_entries
from dailypapers.papers.text import plain_text
from dailypapers.search import MAX_QUERY_CHARS, SearchQuery, find_papers

TOKEN_ENV = "DAILYPAPERS_MCP_TOKEN"
MAX_RESULTS = 50
ABSTRACT_CHARS = 600

INSTRUCTIONS = (
    "Research papers of a Daily Papers site: search them, read a day's page or what is trending, get "
    "a paper as markdown, and (with the member's API token) their 'for you' feed and collections."
)


def _base_url() -> str:
    """The site's address, by the one rule mail uses too (``lib.siteurl``)."""
    from dailypapers.lib.siteurl import site_url

    return site_url()


def _paper(paper, entry=None) -> dict:
    """A paper as the tools return it: enough to decide whether to read it."""
    abstract = plain_text(paper.abstract)
    return {
        "id": paper.pk,
        "title": paper.title,
        "authors": [a.shown_name for a in paper.authorships.all()][:10],
        "published": paper.published_at.date().isoformat() if paper.published_at else None,
        "upvotes": paper.upvotes,
        "abstract": abstract if len(abstract) <= ABSTRACT_CHARS else abstract[:ABSTRACT_CHARS].rsplit(" ", 1)[0] + " …",
        "keywords": list(paper.keywords or []),
        "code": paper.github_repo or None,
        "url": _base_url() + paper.get_absolute_url(),
        **({"daily_date": entry.date.isoformat()} if entry is not None else {}),
    }


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_RESULTS:
        raise ToolError(f"limit must be between 1 and {MAX_RESULTS}")
    return limit


def _member(ctx: Context | None, token: str | None):
    """The member whose token the HTTP request carries, else the server's own token's member."""
    given = None
    headers = None
    if ctx is not None:
        try:
            headers = ctx.headers
        except (ValueError, AttributeError):  # (no request: an in-process or stdio call)
            headers = None
    if headers:
        authorization = headers.get("authorization") or headers.get("Authorization") or ""
        if authorization.lower().startswith("bearer "):
            given = authorization[7:].strip()
    given = given or token
    if not given:
        raise ToolError(
            "this tool needs a member's API token (Settings › API tokens): --token, DAILYPAPERS_MCP_TOKEN or an Authorization header"
        )
    user = ApiToken.user_for(given)
    if user is None:
        raise ToolError("the API token is unknown or revoked")
    return user


def build_server(token: str | None = None) -> MCPServer:
    """The server with its tools; ``token`` (else ``DAILYPAPERS_MCP_TOKEN``) is the member for the
    member tools when a request brings none."""
    token = token or os.environ.get(TOKEN_ENV) or None
    server = MCPServer("Daily Papers", instructions=INSTRUCTIONS)

    @server.tool()
    def search_papers(query: str, limit: int = 10) -> list[dict]:
        """Search the site's papers (hybrid keyword + semantic search, as the site's search box):
        words, a phrase, an author's name or an arXiv id. Best match first."""
        close_old_connections()
        text = query.strip()
        if not text:
            raise ToolError("query must not be blank")
        if len(text) > MAX_QUERY_CHARS:
            raise ToolError(f"query must be at most {MAX_QUERY_CHARS} characters")
        found = find_papers(SearchQuery(text, limit=_limit(limit)))
        return [_paper(p, p.entry) for p in found.papers]

    @server.tool()
    def daily_papers(date: str = "", limit: int = 20) -> dict:
        """A day's page: the papers members submitted that day, most upvoted first. ``date`` is
        YYYY-MM-DD; empty means the latest day with papers."""
        close_old_connections()
        key = date.strip() or (latest_day_with_entries() or dt.date.today()).isoformat()
        try:
            period = parse_period("day", key)
        except BadPeriod as exc:
            raise ToolError(str(exc)) from None
        entries = list(period_entries(period, EntryFilters()).for_listing()[: _limit(limit)])
        return {"date": period.key, "papers": [_paper(e.paper, e) for e in entries]}

    @server.tool()
    def trending_papers(limit: int = 20) -> dict:
        """What is trending: upvotes / (age in hours + offset) ^ gravity over the last days (the
        site's /about/ranking states the values)."""
        close_old_connections()
        ranker = TrendingRanker.from_settings()
        ranked = ranker.rank(DailyEntry.objects.for_listing())[: _limit(limit)]
        return {
            "formula": f"upvotes / (age_hours + {ranker.offset_hours}) ** {ranker.gravity}, last {ranker.window_days} days",
            "papers": [{**_paper(e.paper, e), "score": round(e.trending_score, 4)} for e in ranked],
        }

    @server.tool()
    def paper_markdown(paper_id: str) -> str:
        """One paper as markdown (title, authors, dates, links, abstract): what /papers/{id}.md serves.
        ``paper_id`` is an arXiv id or URL (versions ignored) or the site's own id."""
        close_old_connections()
        try:
            pid, _version = parse_paper_id(paper_id.strip())
        except ValueError:
            raise ToolError(f"{paper_id[:80]!r} is not a paper id") from None
        paper, entry = load_paper(pid)
        if paper is None:
            raise ToolError(f"no paper {pid!r} on this site")
        return render_markdown(paper, entry, _base_url())

    @server.tool()
    def my_feed(limit: int = 20, cursor: str = "", ctx: Context | None = None) -> dict:
        """The member's "for you" feed: recent papers ranked by what they upvoted, saved, followed
        and said more/less of, each with the reason. Needs the member's API token. Pass
        ``next_cursor`` back as ``cursor`` for more."""
        close_old_connections()
        user = _member(ctx, token)
        try:
            page = discover.for_you(user, limit=_limit(limit), cursor=cursor.strip() or None)
        except discover.BadParameter as exc:
            raise ToolError(str(exc)) from None
        return {
            "papers": [{**_paper(p, p.entry), "reason": p.reason, "because": p.because} for p in page.papers],
            "next_cursor": page.next_cursor,
            "cold_start": page.cold,
        }

    @server.tool()
    def my_collections(ctx: Context | None = None) -> list[dict]:
        """The member's collections, each with its papers (in the member's order) and notes. Needs
        the member's API token."""
        close_old_connections()
        user = _member(ctx, token)
        result = []
        for collection in collections.member_collections(user):
            items = collections.items_of(collection)
            result.append({
                "id": collection.pk, "name": collection.name, "description": collection.description,
                "public": collection.is_public,
                "papers": [{**_paper(i.paper), "note": i.note, "read": i.read_at is not None} for i in items],
            })  # fmt: skip
        return result

    return server
