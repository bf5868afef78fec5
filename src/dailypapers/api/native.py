"""The native JSON API under ``/api/v1/`` (django-ninja). OpenAPI at ``/api/v1/openapi.json``,
interactive docs at ``/api/v1/docs``.

Reads are open. Writes (upvotes, submissions, collections) need a member's API token as
``Authorization: Bearer dp_…`` and are rate-limited per member (429 with ``Retry-After``).
Every error is JSON ``{"detail": "message"}`` (validation errors: ``{"detail": [ … ]}``, 422).
"""

from __future__ import annotations

from typing import Annotated, Literal

from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from ninja import NinjaAPI, Path, Query, Router, Status
from ninja.errors import HttpError
from ninja.security import HttpBearer
from pydantic import WithJsonSchema

from dailypapers.accounts import claims
from dailypapers.accounts.models import ApiToken
from dailypapers.api import (
    converters,  # noqa: F401  (registers "paperid")
    sync,
)
from dailypapers.api import discovery_schemas as ds
from dailypapers.api import schemas as s
from dailypapers.api.parsing import JsonObjectParser
from dailypapers.community import services as community
from dailypapers.community.models import Comment
from dailypapers.discovery import follows
from dailypapers.discovery import services as discover
from dailypapers.discovery.models import Follow
from dailypapers.enrichment import trends as trends_service
from dailypapers.lib.pagecache import cached_page
from dailypapers.lib.ratelimit import RateLimited, check_search_rate, count_per_minute, too_many_requests
from dailypapers.papers import collections
from dailypapers.papers.identifiers import CATEGORY_PATTERN, MAX_CATEGORY_CHARS, ORGANIZATION_SLUG_PATTERN
from dailypapers.papers.models import Collection, CollectionItem, CollectionQuotaExceeded, DailyEntry, Organization, Paper
from dailypapers.papers.periods import DAY_PATTERN, MONTH_PATTERN, WEEK_PATTERN, YEARS, BadPeriod, parse_period
from dailypapers.papers.ranking import TrendingRanker
from dailypapers.papers.services import EntryFilters, latest_day_with_entries, period_entries, set_upvote
from dailypapers.search import MAX_OFFSET, MAX_QUERY_CHARS, NATIVE_API, InvalidSearch, find_papers, similar_papers

ERRORS = {400: s.ErrorOut, 404: s.ErrorOut, 422: s.ValidationErrorOut}
WRITE_ERRORS = {**ERRORS, 401: s.ErrorOut, 409: s.ErrorOut, 429: s.ErrorOut}


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token):
        user = ApiToken.user_for(token)
        if user is not None:
            request.user = user
        return user


def state_the_nul_rule(node) -> None:
    """Every string of the document without a format of its own gets the NUL rule's pattern: the
    site refuses NUL in any parameter or text (``lib.middleware.NulCharactersMiddleware``), so a
    schema that allowed it would call a refused request valid."""
    if isinstance(node, dict):
        if node.get("type") == "string" and not ({"pattern", "enum", "const", "format"} & node.keys()):
            node["pattern"] = s.NO_NUL
        for value in node.values():
            state_the_nul_rule(value)
    elif isinstance(node, list):
        for value in node:
            state_the_nul_rule(value)


class DailyPapersApi(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        state_the_nul_rule(schema.get("paths", {}))
        state_the_nul_rule(schema.get("components", {}))
        return schema


api = DailyPapersApi(
    title="Daily Papers API",
    version="1.0",
    description=(
        "Papers, daily pages, trending, search, organizations and similar papers; for members with "
        "an API token (Settings › API tokens): upvotes, submissions and collections. "
        "The Hugging Face–compatible endpoints (`/api/daily_papers`, `/api/papers/search`, "
        "`/api/papers/{id}`, `/papers/{id}.md`) are documented in the README."
    ),
    urls_namespace="api-v1",
    parser=JsonObjectParser(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=cached_page,  # the schema and the docs page are the same for every reader
)


@api.exception_handler(RateLimited)
def rate_limited(request, exc: RateLimited):
    return too_many_requests(exc, api.create_response(request, {"detail": str(exc)}, status=429))


@api.exception_handler(Http404)
def not_found(request, exc: Http404):
    return api.create_response(request, {"detail": str(exc) or "Not found"}, status=404)


def write_allowed(request) -> None:
    """Count one write for the member; raises RateLimited (answered with 429) past the limit."""
    count_per_minute(request.user.pk)  # the same bucket as the web pages' writes (one documented limit)


def get_paper(paper_id: str, *, with_users: bool = False) -> Paper:
    paper = Paper.objects.select_related("organization").with_authors(with_users=with_users).filter(pk=paper_id).first()
    if paper is None:
        raise Http404(f"No paper with id {paper_id[:100]!r}")
    return paper


class ListingFilters(s.Schema):
    """The filters every listing takes (the pages' ``?category=&organization=&has_code=&server=``)."""

    category: str = s.Field("", max_length=40, description="arXiv category, e.g. cs.CL")
    organization: str = s.Field("", max_length=100, description="organization slug")
    has_code: bool = False
    server: Literal["", "arxiv", "biorxiv", "medrxiv"] = s.Field("", description="preprint server: arxiv, biorxiv or medrxiv")

    def entry_filters(self) -> EntryFilters:
        return EntryFilters(category=self.category.strip(), organization=self.organization.strip(), has_code=self.has_code,
                            server=self.server)  # fmt: skip


class PaperFilters(ListingFilters):
    published_from: s.Day | None = None
    published_to: s.Day | None = None


class SearchFilterParams(PaperFilters):
    """The search's filters, with the forms ``search.params`` accepts written into the schema."""

    category: str = s.Field("", max_length=MAX_CATEGORY_CHARS, pattern=f"^(?:{CATEGORY_PATTERN})?$", description="arXiv category, e.g. cs.CL")
    organization: str = s.Field("", pattern=f"^(?:{ORGANIZATION_SLUG_PATTERN})?$", description="organization slug")


# --------------------------------------------------------------------------------------------
# Papers

papers = Router(tags=["papers"])


@papers.get("/papers", response={200: s.PaperPage, **ERRORS}, summary="List papers")
@cached_page
def list_papers(
    request,
    filters: Query[PaperFilters],
    sort: Literal["published", "upvotes"] = "published",
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=1_000_000),
):
    """Papers, newest publication first (or most upvoted), with optional filters."""
    qs = filters.entry_filters().apply_to_papers(Paper.objects.all())
    if filters.published_from:
        qs = qs.filter(published_at__date__gte=filters.published_from)
    if filters.published_to:
        qs = qs.filter(published_at__date__lte=filters.published_to)
    order = ["-published_at", "id"] if sort == "published" else ["-upvotes", "-published_at", "id"]
    page = qs.order_by(*order).for_listing()[offset : offset + limit]
    return {"count": qs.count(), "limit": limit, "offset": offset, "items": [s.paper_out(p) for p in page]}


@papers.get("/papers/{paperid:paper_id}/similar", response={200: list[s.SimilarItemOut], **ERRORS}, summary="Similar papers")
@cached_page
def paper_similar(
    request,
    paper_id: str,
    limit: int = Query(10, ge=1, le=50),
    sort: Literal["relevance", "recency", "popularity"] = Query(
        "relevance", description="nearest first; or the 30 nearest (or `limit`) newest first / most upvoted first"
    ),
):
    """The nearest papers by the paper's own vector (``score``: cosine); ``[]`` until it is embedded."""
    get_paper(paper_id)
    return [{**s.paper_out(p), "score": p.hit.score} for p in similar_papers(paper_id, limit=limit, sort=sort)]


@papers.get("/papers/{paperid:paper_id}/comments", response={200: list[s.CommentOut], **ERRORS}, summary="A paper's comments")
@cached_page
def paper_comments(request, paper_id: str):
    """Oldest first; replies name their ``parent_id``. Deleted and hidden comments keep their place with no content."""
    paper = get_paper(paper_id)
    return [s.comment_out(c) for c in Comment.objects.thread_of(paper)]


@papers.post(
    "/papers/{paperid:paper_id}/comments",
    auth=TokenAuth(),
    response={201: s.CommentOut, 400: s.ErrorOut, **WRITE_ERRORS},
    summary="Comment on a paper",
    tags=["members"],
)
def post_comment(request, paper_id: str, body: s.CommentIn):
    """Rate-limited with the other comment writes of the member (429 with ``Retry-After``)."""
    paper = get_paper(paper_id)
    parent = None
    if body.parent_id is not None:
        parent = Comment.objects.filter(pk=body.parent_id, paper=paper).first()
        if parent is None:
            raise Http404("No such comment on this paper")
    try:
        comment = community.post_comment(request.auth, paper, body.text, parent=parent)
    except community.CommentError as exc:
        return Status(400, {"detail": str(exc)})
    return Status(201, s.comment_out(comment))


@papers.get("/papers/{paperid:paper_id}", response={200: s.PaperDetailOut, **ERRORS}, summary="One paper")
@cached_page
def paper_detail(request, paper_id: str):
    """With ``author_details``: each author's claim status and the member who claimed them."""
    paper = get_paper(paper_id, with_users=True)
    return {**s.paper_out(paper), "author_details": s.author_details_out(paper)}


@papers.post(
    "/papers/{paperid:paper_id}/authors/{position}/claim",
    auth=TokenAuth(),
    response={201: s.ClaimOut, **WRITE_ERRORS},
    summary="Claim an author of a paper",
    tags=["members"],
)
def claim_author(request, paper_id: str, position: int = Path(..., ge=0, le=99_999)):
    """The token's member says they are the author at ``position`` (0-based, as in
    ``author_details``). An admin approves (``status`` "pending"); a claim on an author identity
    already linked to the member is approved at once. 409 when the author or the paper is already
    claimed by this member or another; rate-limited per member (429)."""
    paper = get_paper(paper_id)
    try:
        claim = claims.claim_authorship(request.auth, claims.slot(paper, position))
    except claims.NoSuchAuthor as exc:
        raise Http404(str(exc)) from None
    except claims.ClaimError as exc:
        raise HttpError(409, str(exc)) from None
    return Status(201, s.claim_out(claim))


# --------------------------------------------------------------------------------------------
# Daily pages and trending

pages = Router(tags=["daily pages"])


def period_response(kind: str, key: str, filters: ListingFilters) -> dict:
    try:
        period = parse_period(kind, key)
    except BadPeriod as exc:
        raise HttpError(400, str(exc)) from None
    entries = list(period_entries(period, filters.entry_filters()).for_listing())
    return {
        "kind": period.kind,
        "key": period.key,
        "label": period.label,
        "start": period.start,
        "end": period.end,
        "previous": period.previous().key,
        "next": period.next().key,
        "count": len(entries),
        "items": [s.entry_out(e) for e in entries],
    }



@pages.get("/days/latest", response={200: s.PeriodOut, **ERRORS}, summary="The latest day with papers")
@cached_page
def latest_day(request, filters: Query[ListingFilters]):
    day = latest_day_with_entries() or timezone.localdate()
    return period_response("day", day.isoformat(), filters)


@pages.get("/days/{date}", response={200: s.PeriodOut, **ERRORS}, summary="A day's page (YYYY-MM-DD)")
@cached_page
def day(
    request,
    filters: Query[ListingFilters],
    date: Annotated[str, WithJsonSchema({"type": "string", "format": "date", "pattern": DAY_PATTERN})] = Path(
        ..., pattern=DAY_PATTERN, examples=["2026-11-23"], description=f"YYYY-MM-DD, a calendar day in the years {YEARS}"),
):
    """The papers of one day, most upvoted first (ties: earlier submission)."""
    return period_response("day", date, filters)


@pages.get("/weeks/{week}", response={200: s.PeriodOut, **ERRORS}, summary="A week's page (YYYY-Www)")
@cached_page
def week(
    request,
    filters: Query[ListingFilters],
    week: str = Path(..., pattern=WEEK_PATTERN, examples=["2026-W48"], description=f"ISO week YYYY-Www, in the years {YEARS}"),
):
    return period_response("week", week, filters)


@pages.get("/months/{month}", response={200: s.PeriodOut, **ERRORS}, summary="A month's page (YYYY-MM)")
@cached_page
def month(
    request,
    filters: Query[ListingFilters],
    month: str = Path(..., pattern=MONTH_PATTERN, examples=["2026-11"], description=f"YYYY-MM, in the years {YEARS}"),
):
    return period_response("month", month, filters)


@pages.get("/trending", response={200: s.TrendingOut, **ERRORS}, summary="Trending papers")
@cached_page
def trending(
    request,
    filters: Query[ListingFilters],
    limit: int = Query(50, ge=1, le=100),
    since: sync.Since = Query(
        "", max_length=40, description="only papers that reached their daily page after this ISO 8601 time or date"),
):
    """Ranked by ``upvotes / (age_hours + offset_hours) ** gravity`` over the last ``window_days``.
    ``since``: what entered the window after a bot's last read (the ranking itself moves with the
    clock, so it has no cursor)."""
    ranker = TrendingRanker.from_settings()
    entries = filters.entry_filters().apply(DailyEntry.objects.for_listing())
    if after := sync.parse_since(since):
        entries = entries.filter(submitted_at__gt=after)
    ranked = ranker.rank(entries)[:limit]
    return {
        "formula": "upvotes / (age_hours + offset_hours) ** gravity",
        "gravity": ranker.gravity,
        "offset_hours": ranker.offset_hours,
        "window_days": ranker.window_days,
        "items": [{**s.entry_out(e), "trending_score": e.trending_score, "age_hours": e.age_hours} for e in ranked],
    }


@pages.get("/trends", response={200: s.TrendsOut, **ERRORS, 429: s.ErrorOut}, summary="Topic trends: papers and upvotes per month")
@cached_page
def topic_trends(
    request,
    q: list[str] = Query([], description="a topic's words (up to three: repeat q or separate by commas); `category:cs.CL` names a category"),
    category: list[str] = Query([], description="an arXiv category, e.g. cs.CL (repeatable)"),
):
    """Per month of first publication: the papers holding every word of each topic (title, abstract
    or author names, as search reads them) or listed in each category, and their upvotes; counted by
    the search backend. The same numbers as ``/trends`` and ``/trends.csv``."""
    try:
        topics = trends_service.parse_topics(q, category)
    except trends_service.BadTrends as exc:
        raise HttpError(400, str(exc)) from None
    if not topics:
        raise HttpError(400, "name a topic: q=words or category=cs.CL (up to three)")
    check_search_rate(request)
    return trends_service.as_json(trends_service.compute(topics))


# --------------------------------------------------------------------------------------------
# Search

search = Router(tags=["search"])


@search.get("/search", response={200: s.SearchOut, **ERRORS, 429: s.ErrorOut}, summary="Search papers")
def search_papers(
    request,
    filters: Query[SearchFilterParams],
    q: str = Query(..., min_length=1, max_length=MAX_QUERY_CHARS, description="words, a phrase, or an arXiv id/URL"),
    mode: Literal["hybrid", "lexical", "vector"] = "hybrid",
    limit: int = Query(NATIVE_API.default_limit, ge=1, le=NATIVE_API.max_limit),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    spelling: bool = Query(True, description="correct typos from the index's vocabulary (did_you_mean says how)"),
):
    """Hybrid lexical + semantic search, with the same filters as the pages."""
    # The signature documents the parameters (OpenAPI) and checks their types (422); what they
    # mean is read by the one parser every search caller uses.
    try:
        query = NATIVE_API.parse(request.GET)
    except InvalidSearch as exc:
        raise HttpError(400, str(exc)) from None
    if not query.text:
        raise HttpError(400, "q must not be blank")
    check_search_rate(request)
    found = find_papers(query)
    results = found.results
    return {
        "query": query.text,
        "mode": results.mode,
        "total": results.total,
        "total_exact": results.total_exact,
        "notice": results.notice,
        "exact_paper_id": results.exact_paper_id,
        "no_good_match": results.no_good_match,
        "missing_arxiv_id": results.missing_arxiv_id,
        "did_you_mean": results.did_you_mean,
        "items": [
            {
                **s.paper_out(p),
                "score": p.hit.score,
                "title_highlight": p.hit.title_highlight,
                "abstract_highlight": p.hit.abstract_highlight,
            }
            for p in found.papers
        ],
    }


# --------------------------------------------------------------------------------------------
# Organizations

organizations = Router(tags=["organizations"])


@organizations.get("/organizations", response={200: s.OrganizationPage, **ERRORS}, summary="Organizations")
@cached_page
def list_organizations(request, limit: int = Query(100, ge=1, le=500), offset: int = Query(0, ge=0, le=1_000_000)):
    qs = Organization.objects.order_by("name", "slug")
    return {"count": qs.count(), "items": [s.organization_out(o) for o in qs[offset : offset + limit]]}


@organizations.get("/organizations/{slug}", response={200: s.OrganizationOut, **ERRORS}, summary="One organization")
@cached_page
def organization_detail(request, slug: str):
    org = Organization.objects.filter(slug=slug).first()
    if org is None:
        raise Http404(f"No organization {slug[:100]!r}")
    return s.organization_out(org)


@organizations.get("/organizations/{slug}/papers", response={200: s.PaperPage, **ERRORS}, summary="An organization's papers")
@cached_page
def organization_papers(request, slug: str, limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0, le=1_000_000)):
    """Most upvoted first."""
    org = Organization.objects.filter(slug=slug).first()
    if org is None:
        raise Http404(f"No organization {slug[:100]!r}")
    qs = Paper.objects.filter(Q(organization=org) | Q(daily_entry__organization=org)).distinct()
    page = qs.order_by("-upvotes", "-published_at", "id").for_listing()[offset : offset + limit]
    return {"count": qs.count(), "limit": limit, "offset": offset, "items": [s.paper_out(p) for p in page]}


# --------------------------------------------------------------------------------------------
# Members: upvotes, submissions, collections (API token required)

member = Router(tags=["members"], auth=TokenAuth())


@member.get("/me", response={200: s.MeOut, 401: s.ErrorOut}, summary="The token's member")
def me(request):
    user = request.auth
    return {"username": user.username, "upvotes": user.upvotes.count(), "collections": user.collections.count()}


def vote(request, paper_id: str, voted: bool) -> dict:
    paper = get_paper(paper_id)
    write_allowed(request)
    paper = set_upvote(request.auth, paper, voted)
    return {"id": paper.id, "voted": voted, "upvotes": paper.upvotes}


@member.post("/papers/{paperid:paper_id}/upvote", response={200: s.VoteOut, **WRITE_ERRORS}, summary="Upvote a paper")
def upvote(request, paper_id: str):
    """Idempotent: upvoting twice counts once."""
    return vote(request, paper_id, True)


@member.delete("/papers/{paperid:paper_id}/upvote", response={200: s.VoteOut, **WRITE_ERRORS}, summary="Withdraw an upvote")
def remove_upvote(request, paper_id: str):
    return vote(request, paper_id, False)


@member.post(
    "/submissions", response={201: s.PaperOut, 202: s.PendingSubmissionOut, **WRITE_ERRORS}, summary="Submit a paper to today's page"
)
def submit(request, body: s.SubmissionIn):
    """Submit by arXiv id or URL; the paper is fetched from arXiv when the site does not have it yet.

    When arXiv does not answer at once (slow, busy or down) the worker fetches it: 202, and the paper
    appears on the page shortly."""
    from dailypapers.ingest.services import PendingSubmission, SubmissionError, submit_paper

    write_allowed(request)
    try:
        result = submit_paper(request.auth, body.paper.strip(), organization=body.organization.strip())
    except SubmissionError as exc:
        raise HttpError(400, str(exc)) from None
    if isinstance(result, PendingSubmission):
        return Status(202, {"id": result.paper_id, "status": result.state, "date": result.date, "detail": result.message})
    paper_id = result.paper_id if isinstance(result, DailyEntry) else result.pk
    paper = Paper.objects.for_listing().get(pk=paper_id)
    return Status(201, s.paper_out(paper))


def own_collection(request, collection_id: int) -> Collection:
    collection = collections.owned_collection(request.auth, collection_id)
    if collection is None:
        raise Http404(f"You have no collection {collection_id}")
    return collection


def collection_detail_out(collection: Collection) -> dict:
    items = collections.items_of(collection)
    collection.num_papers = len(items)
    return {**s.collection_out(collection), "items": [s.collection_item_out(i) for i in items]}


@member.get("/collections", response={200: list[s.CollectionOut], 401: s.ErrorOut}, summary="Your collections")
def list_collections(request):
    return [s.collection_out(c) for c in collections.member_collections(request.auth)]


@member.post("/collections", response={201: s.CollectionOut, **WRITE_ERRORS}, summary="Create a collection")
def create_collection(request, body: s.CollectionIn):
    write_allowed(request)
    try:
        collection = collections.create_collection(request.auth, body.name, body.description, body.is_public)
    except (collections.CollectionNameTaken, CollectionQuotaExceeded) as exc:
        raise HttpError(409, str(exc)) from None
    except collections.CollectionError as exc:
        raise HttpError(400, str(exc)) from None
    return Status(201, s.collection_out(collection))


@member.get("/collections/{int:collection_id}", response={200: s.CollectionDetailOut, **ERRORS, 401: s.ErrorOut}, summary="One of your collections")
def get_collection(request, collection_id: int):
    return collection_detail_out(own_collection(request, collection_id))


@member.patch("/collections/{int:collection_id}", response={200: s.CollectionOut, **WRITE_ERRORS}, summary="Rename or describe a collection")
def update_collection(request, collection_id: int, body: s.CollectionPatch):
    collection = own_collection(request, collection_id)
    write_allowed(request)
    changes = body.dict(exclude_unset=True, exclude_none=True)
    try:
        collection = collections.update_collection(collection, **changes)
    except collections.CollectionNameTaken as exc:
        raise HttpError(409, str(exc)) from None
    except collections.CollectionError as exc:
        raise HttpError(400, str(exc)) from None
    return s.collection_out(collection)


@member.delete("/collections/{int:collection_id}", response={204: None, **WRITE_ERRORS}, summary="Delete a collection")
def delete_collection(request, collection_id: int):
    collection = own_collection(request, collection_id)
    write_allowed(request)
    collections.delete_collection(collection)
    return Status(204, None)


@member.put(
    "/collections/{int:collection_id}/items/{paperid:paper_id}",
    response={200: s.CollectionItemOut, **WRITE_ERRORS},
    summary="Add a paper to a collection (or change its note/position/read state)",
)
def put_collection_item(request, collection_id: int, paper_id: str, body: s.CollectionItemIn):
    """``note`` replaces the note; ``read`` true marks the paper read (now), false unread; omitted: unchanged."""
    collection = own_collection(request, collection_id)
    paper = get_paper(paper_id)
    write_allowed(request)
    try:
        item = collections.save_paper(collection, paper, note=body.note, position=body.position)
    except CollectionQuotaExceeded as exc:
        raise HttpError(409, str(exc)) from None
    except collections.CollectionError as exc:
        raise HttpError(400, str(exc)) from None
    if body.read is not None:
        collections.set_read(collection, paper.pk, body.read)
    item = CollectionItem.objects.for_listing().get(pk=item.pk)
    return s.collection_item_out(item)


@member.delete(
    "/collections/{int:collection_id}/items/{paperid:paper_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Remove a paper from a collection",
)
def delete_collection_item(request, collection_id: int, paper_id: str):
    collection = own_collection(request, collection_id)
    write_allowed(request)
    if not collections.remove_paper(collection, paper_id):
        raise Http404(f"Paper {paper_id[:100]!r} is not in this collection")
    return Status(204, None)


# Public collections can be read by anyone (the owner reads private ones under /collections/{id}).
public = Router(tags=["collections"])


@public.get("/public-collections/{int:collection_id}", response={200: s.CollectionDetailOut, **ERRORS}, summary="A public collection")
@cached_page
def public_collection(request, collection_id: int):
    collection = Collection.objects.select_related("owner").filter(pk=collection_id, is_public=True).first()
    if collection is None:
        raise Http404(f"No public collection {collection_id}")
    return collection_detail_out(collection)



# --------------------------------------------------------------------------------------------
# Discovery: "for you" with reasons, feedback, follows (API token required; discovery.services)

discovery = Router(tags=["discovery"], auth=TokenAuth())


@discovery.get("/me/for-you", response={200: ds.ForYouOut, **ERRORS, 401: s.ErrorOut}, summary="Papers for you, each with its reason")
def for_you(
    request,
    limit: int = Query(20, ge=1, le=100),
    cursor: str = Query("", max_length=discover.MAX_CURSOR_CHARS, pattern=discover.CURSOR_PATTERN,
                        description="the previous page's next_cursor (empty: the first page)"),
):
    """Recent papers ranked by the member's model (upvotes, saves, feedback, follows); ``reason`` says why."""
    try:
        page = discover.for_you(request.auth, limit=limit, cursor=cursor or None)
    except discover.BadParameter as exc:
        raise HttpError(400, str(exc)) from None
    return {"items": [ds.for_you_item_out(p) for p in page.papers], "next_cursor": page.next_cursor, "cold_start": page.cold}


def feedback_response(request, paper_id: str, signal: str) -> dict:
    paper = get_paper(paper_id.strip())
    write_allowed(request)
    return {"paper_id": paper.pk, "signal": discover.set_feedback(request.auth, paper, signal)}


@discovery.post("/me/feedback", response={200: ds.FeedbackOut, **WRITE_ERRORS}, summary="More like this / not interested")
def post_feedback(request, body: ds.FeedbackIn):
    """``signal`` more or less; ``none`` undoes. "less" removes the paper from the feed and pushes its neighbours down."""
    return feedback_response(request, body.paper_id, body.signal)


@discovery.delete("/me/feedback", response={200: ds.FeedbackOut, **WRITE_ERRORS}, summary="Undo feedback on a paper")
def delete_feedback(request, paper_id: str = Query(..., min_length=1, max_length=80)):
    return feedback_response(request, paper_id, "none")


def follow_out(request, follow) -> dict:
    token = discover.feed_token(request.auth, follow)
    return {
        "id": follow.pk, "kind": follow.kind, "target": follow.target, "label": follow.label, "created_at": follow.created_at,
        "feed_rss": request.build_absolute_uri(reverse("feed_private_rss", args=[token])),
        "feed_atom": request.build_absolute_uri(reverse("feed_private_atom", args=[token])),
    }


@discovery.get("/me/follows", response={200: list[ds.FollowOut], 401: s.ErrorOut}, summary="What you follow")
def list_follows(request):
    return [follow_out(request, f) for f in Follow.objects.filter(user=request.auth)]


@discovery.post("/me/follows", response={200: ds.FollowOut, 201: ds.FollowOut, **WRITE_ERRORS},
                summary="Follow an author, organization, category or search")
def post_follow(request, body: ds.FollowIn):
    """``target``: an author's id (``author_details`` of a paper), an organization's slug, an arXiv
    category, or a search's text. 201 when new, 200 when already followed."""
    write_allowed(request)
    try:
        follow, created = follows.follow(request.auth, body.kind, body.target)
    except follows.NoSuchTarget as exc:
        raise Http404(str(exc)) from None
    except follows.FollowError as exc:
        raise HttpError(409 if "most one member" in str(exc) else 400, str(exc)) from None
    return Status(201 if created else 200, follow_out(request, follow))


@discovery.delete("/me/follows", response={204: None, **WRITE_ERRORS}, summary="Unfollow")
def delete_follow(request, kind: Literal["author", "organization", "category", "search"], target: str = Query(..., min_length=1, max_length=250)):
    write_allowed(request)
    if not follows.unfollow(request.auth, kind, target):
        raise Http404(f"You do not follow {kind} {target[:100]!r}")
    return Status(204, None)


api.add_router("", papers)
api.add_router("", pages)
api.add_router("", search)
api.add_router("", organizations)
api.add_router("", member)
api.add_router("", public)
api.add_router("", discovery)
api.add_router("", sync.router)
