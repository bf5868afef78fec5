"""Endpoints compatible with the Hugging Face papers API, so ``huggingface_hub.HfApi(endpoint=...)``
and tools built on it work against a Daily Papers site unchanged.

Shapes follow what the client parses (``huggingface_hub.hf_api.PaperInfo``): daily items nest the
paper under ``paper`` and repeat the fields the client reads only at the top level; datetimes are
``YYYY-MM-DDTHH:MM:SS.fffZ``. Errors are ``{"error": message}``, as the Hub sends them, which the
client turns into its exception messages.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.db.models import F, Q, prefetch_related_objects
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from dailypapers.accounts import claims
from dailypapers.accounts.models import ApiToken, AuthorClaim
from dailypapers.accounts.profiles import avatar_path
from dailypapers.community import services as community
from dailypapers.community.models import Comment
from dailypapers.enrichment import services as enrichment
from dailypapers.ingest import services as submissions
from dailypapers.lib.jsonbody import BadBody, loads_object
from dailypapers.lib.pagecache import cached_page
from dailypapers.lib.params import BadParameter, int_param
from dailypapers.lib.ratelimit import RateLimited, check_search_rate, count_per_minute, too_many_requests
from dailypapers.papers.as_markdown import markdown_response
from dailypapers.papers.models import DailyEntry, Paper, ordered_authorships
from dailypapers.papers.periods import BadPeriod, Period, parse_period
from dailypapers.papers.ranking import TrendingRanker
from dailypapers.papers.text import plain_text
from dailypapers.search import HF_API, InvalidSearch, find_papers

MAX_DAILY_LIMIT = 100
DEFAULT_DAILY_LIMIT = 50


def hf_datetime(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    utc = value.astimezone(dt.timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def hf_error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def user_payload(user, base: str = "") -> dict | None:
    """A member as the Hub writes a user; ``base`` (the site's scheme and host) makes ``avatarUrl``
    absolute, as the Hub's are (clients show it as an image URL)."""
    if user is None:
        return None
    return {
        "_id": str(user.pk),
        "user": user.username,
        "name": user.username,  # what third-party clients read (the Hub's list items carry both)
        "fullname": user.get_full_name() or user.username,
        "avatarUrl": base + avatar_path(user.username),
        "type": "user",
        "isPro": False,
    }


def site_base(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def organization_payload(org) -> dict | None:
    if org is None:
        return None
    return {"_id": str(org.pk), "name": org.slug, "fullname": org.name, "avatarUrl": org.avatar_url}


def authors_payload(paper: Paper, base: str = "") -> list[dict]:
    authors = []
    for authorship in paper.authorships.all():
        author = authorship.author
        item = {"_id": str(author.pk), "name": authorship.shown_name, "hidden": False}
        # An approved claim links the identity (accounts.claims); a banned member's link is not shown.
        if author.user_id and author.user.is_active:
            item["status"] = "claimed_verified"
            item["user"] = user_payload(author.user, base)
        authors.append(item)
    return authors


def paper_payload(paper: Paper, entry: DailyEntry | None, base: str = "") -> dict:
    """The paper object as ``GET /api/papers/{id}`` returns it (also nested in daily items)."""
    payload = {
        "id": paper.id,
        "authors": authors_payload(paper, base),
        "publishedAt": hf_datetime(paper.published_at),
        "title": paper.title,
        "summary": plain_text(paper.abstract),
        "upvotes": paper.upvotes,
        "discussionId": paper.id,
        "numComments": paper.num_comments,
        "source": paper.source,
        "withdrawnAt": hf_datetime(paper.withdrawn_at) if paper.withdrawn_at else None,
        "githubRepo": paper.github_repo or None,
        "githubStars": None,
        "projectPage": paper.project_page or None,
        "ai_summary": None,
        # Keyphrases extracted offline (enrichment.keywords), not a language model's: see docs/hf-api.md.
        "ai_keywords": list(paper.keywords) or None,
        "organization": organization_payload(paper.organization),
    }
    if entry is not None:
        payload["submittedOnDailyAt"] = hf_datetime(entry.submitted_at)
        payload["submittedOnDailyBy"] = user_payload(entry.submitted_by, base)
    return payload


def daily_item_payload(paper: Paper, entry: DailyEntry | None, base: str = "") -> dict:
    """An item of ``/api/daily_papers`` and ``/api/papers/search``."""
    nested = paper_payload(paper, entry, base)
    organization = paper.shown_organization(entry)
    return {
        "paper": nested,
        # On the Hub the top-level publishedAt is when the paper entered the daily page.
        "publishedAt": hf_datetime(entry.submitted_at) if entry else nested["publishedAt"],
        "submittedOnDailyAt": nested.get("submittedOnDailyAt"),
        "title": paper.title,
        "summary": plain_text(paper.abstract),
        "upvotes": paper.upvotes,
        "numComments": paper.num_comments,
        "submittedBy": user_payload(entry.submitted_by, base) if entry else None,
        "organization": organization_payload(organization),
        "isAuthorParticipating": any(a.get("user") for a in nested["authors"]),
        "githubRepo": nested["githubRepo"],
        "githubStars": None,
        "projectPage": nested["projectPage"],
        "ai_summary": None,
        "ai_keywords": nested["ai_keywords"],
        # The client reads ``source`` at the item's top level only. ``thumbnail``: the first page the
        # worker rendered (papers.thumbnails), absolute as the Hub's; no media are uploaded here.
        "source": paper.source,
        "thumbnail": (base + paper.thumbnail_url) if paper.thumbnail else None,
        "mediaUrls": [],
    }


# --------------------------------------------------------------------------------------------
# Parameters


@dataclass(frozen=True)
class DailyPapersParams:
    period: Period | None
    submitter: str
    sort: str
    page: int
    limit: int

    @classmethod
    def parse(cls, params) -> DailyPapersParams:
        given = [(kind, params[name]) for kind, name in (("day", "date"), ("week", "week"), ("month", "month")) if params.get(name)]
        if len(given) > 1:
            raise BadParameter("give at most one of date, week and month")
        try:
            period = parse_period(*given[0]) if given else None
        except BadPeriod as exc:
            raise BadParameter(str(exc)) from None
        sort = params.get("sort") or "publishedAt"
        if sort not in {"publishedAt", "trending"}:
            raise BadParameter("sort must be publishedAt or trending")
        return cls(
            period=period,
            submitter=(params.get("submitter") or "").strip()[:150],
            sort=sort,
            page=int_param(params, "p", 0, 0, 100_000),
            limit=int_param(params, "limit", DEFAULT_DAILY_LIMIT, 1, MAX_DAILY_LIMIT),
        )


def daily_papers_entries(params: DailyPapersParams, now: dt.datetime | None = None) -> list[DailyEntry]:
    """One page of daily entries: newest on the daily pages first, or by the trending score."""
    entries = DailyEntry.objects.with_paper()
    if params.period:
        entries = entries.filter(date__gte=params.period.start, date__lte=params.period.end)
    if params.submitter:
        entries = entries.filter(submitted_by__username=params.submitter)
    start = params.page * params.limit
    if params.sort == "trending":
        ranker = TrendingRanker.from_settings()
        if params.period is None:
            ranked = ranker.rank(entries, now=now)
        else:
            # A past period is ranked as the trending formula scores its papers now, without the
            # trending window (which would leave an old period empty).
            now = now or timezone.now()
            ranked = sorted(
                entries,
                key=lambda e: (-ranker.score(e.paper.upvotes, (now - e.submitted_at).total_seconds() / 3600), e.paper_id),
            )
        page = ranked[start : start + params.limit]
    else:
        page = list(entries.order_by("-submitted_at", "paper_id")[start : start + params.limit])
    prefetch_related_objects(page, ordered_authorships("paper__authorships", with_users=True))
    return page


# --------------------------------------------------------------------------------------------
# Views


@cached_page
@require_GET
def daily_papers(request):
    try:
        params = DailyPapersParams.parse(request.GET)
    except BadParameter as exc:
        return hf_error(400, str(exc))
    base = site_base(request)
    items = [daily_item_payload(e.paper, e, base) for e in daily_papers_entries(params)]
    return JsonResponse(items, safe=False)


@require_GET
def papers_search(request):
    """``?q=`` through the site's search backend; without ``q``, the newest daily papers."""
    try:
        query = HF_API.parse(request.GET)
    except InvalidSearch as exc:
        return hf_error(400, str(exc))
    try:
        check_search_rate(request)
    except RateLimited as exc:
        return too_many_requests(exc, hf_error(429, str(exc)))
    if not query.text:
        params = DailyPapersParams(period=None, submitter="", sort="publishedAt", page=0, limit=query.limit)
        items = [daily_item_payload(e.paper, e, site_base(request)) for e in daily_papers_entries(params)]
        return JsonResponse(items, safe=False)
    found = find_papers(query)
    items = [daily_item_payload(p, p.entry, site_base(request)) for p in found.papers]
    did_you_mean = found.results.did_you_mean
    if did_you_mean:
        # The Hub's answer is a bare list: the corrected query rides on each item (huggingface_hub
        # keeps unknown keys as attributes, ``info.didYouMean``) and, for an empty list, a header.
        for item in items:
            item["didYouMean"] = did_you_mean
    response = JsonResponse(items, safe=False)
    if did_you_mean:
        response["X-Did-You-Mean"] = quote(did_you_mean)
    return response


def load_paper(paper_id: str) -> tuple[Paper | None, DailyEntry | None]:
    """The paper with its authors and its daily entry (if any); (None, None) when unknown."""
    paper = Paper.objects.with_entry().with_authors(with_users=True).filter(pk=paper_id).first()
    if paper is None:
        return None, None
    return paper, paper.entry


@cached_page
@require_GET
def paper_info(request, paper_id: str):
    paper, entry = load_paper(paper_id)
    if paper is None:
        return hf_error(404, "Paper not found")
    return JsonResponse({**paper_payload(paper, entry, site_base(request)), **linked_repos_payload(paper)})


@cached_page
@require_GET
def paper_md(request, paper_id: str):
    return markdown_response(request, paper_id)


def comment_payload(comment: Comment) -> dict:
    """A comment as the Hub writes a discussion event (``huggingface_hub.community.deserialize_event``
    reads it): ``id``, ``type``, ``createdAt``, ``author`` and ``data.latest.raw/html``."""
    return {
        "id": str(comment.pk),
        "type": "comment",
        "createdAt": hf_datetime(comment.created_at),
        "author": {**(user_payload(comment.author) or {}), "name": comment.author_name},
        "data": {
            "edited": comment.edited_at is not None,
            "hidden": comment.is_hidden or comment.is_deleted,
            "numEdits": 1 if comment.edited_at else 0,
            "editors": [comment.author_name],
            "latest": {
                "raw": "" if comment.is_deleted else comment.source,
                "html": "" if comment.is_deleted else comment.html,
                "updatedAt": hf_datetime(comment.edited_at or comment.created_at),
                "author": user_payload(comment.author),
            },
            "reactions": [],
        },
        "parentCommentId": str(comment.parent_id) if comment.parent_id else None,
    }


def bearer_user(request):
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    return ApiToken.user_for(raw.strip()) if scheme.lower() == "bearer" else None


def token_writer(request):
    """``(member, None)`` for a POST with a member's Bearer token, else ``(None, the Hub's answer)``:
    405 for another method, 401 without a valid token (every token write of this API starts so)."""
    if request.method != "POST":
        return None, hf_error(405, "Method not allowed")
    user = bearer_user(request)
    if user is None:
        return None, hf_error(401, "Invalid credentials in Authorization header")
    return user, None


def _post_comment(request, paper_id: str, parent_id: str | None) -> JsonResponse:
    """``{"comment": "…"}`` with a member's Bearer token; answers ``{"newMessage": event}`` as the
    Hub's comment endpoints do, and the paper's new ``numComments``."""
    user, refusal = token_writer(request)
    if refusal is not None:
        return refusal
    paper = Paper.objects.filter(pk=paper_id).first()
    if paper is None:
        return hf_error(404, "Paper not found")
    parent = None
    if parent_id is not None:
        parent = Comment.objects.filter(pk=int(parent_id), paper=paper).first() if parent_id.isdigit() else None
        if parent is None:
            return hf_error(404, "Comment not found")
    try:
        body = loads_object(request.body)
    except BadBody as exc:
        return hf_error(400, f"Invalid JSON body: {exc}")
    text = body.get("comment")
    if not isinstance(text, str):
        return hf_error(400, 'Expected a JSON body {"comment": "..."}')
    try:
        comment = community.post_comment(user, paper, text, parent=parent)
    except RateLimited as exc:
        return too_many_requests(exc, hf_error(429, str(exc)))
    except community.CommentError as exc:
        return hf_error(400, str(exc))
    paper.refresh_from_db(fields=["num_comments"])
    return JsonResponse({"newMessage": comment_payload(comment), "numComments": paper.num_comments})


@csrf_exempt  # a Bearer-token API: no cookie authenticates it, so there is nothing to forge
def paper_comment(request, paper_id: str):
    return _post_comment(request, paper_id, None)


@csrf_exempt  # as paper_comment
def paper_comment_reply(request, paper_id: str, comment_id: str):
    return _post_comment(request, paper_id, comment_id)


def _json_body(request) -> dict | None:
    try:
        return loads_object(request.body)
    except BadBody:
        return None


@csrf_exempt  # a Bearer-token API, as paper_comment
def claim_paper_author(request):
    """``POST /api/settings/papers/claim`` ``{"paperId", "claimAuthorId", "targetUserId"?}``, as the
    Hub's: the token's member claims the author whose ``_id`` (in the paper's ``authors``) is
    ``claimAuthorId``. ``targetUserId``, when given, must be the token's member (its ``_id`` or
    username): nobody claims for someone else. Answers ``{"paperId", "claimAuthorId", "status"}``
    with ``status`` "pending" (an admin decides) or "claimed_verified" (approved at once)."""
    user, refusal = token_writer(request)
    if refusal is not None:
        return refusal
    body = _json_body(request)
    if body is None:
        return hf_error(400, "Invalid JSON body")
    paper_id, author_id, target = body.get("paperId"), body.get("claimAuthorId"), body.get("targetUserId")
    if not isinstance(paper_id, str) or not isinstance(author_id, str) or not author_id.isdigit() or len(author_id) > 18:
        return hf_error(400, 'Expected a JSON body {"paperId": "...", "claimAuthorId": "..."}')
    if target is not None and str(target) not in {str(user.pk), user.username}:
        return hf_error(403, "You can only claim authorship for yourself")
    paper = Paper.objects.filter(pk=paper_id[:100]).first()
    if paper is None:
        return hf_error(404, "Paper not found")
    authorship = paper.authorships.select_related("author").filter(author_id=int(author_id)).order_by("position").first()
    if authorship is None:
        return hf_error(404, "Author not found on this paper")
    try:
        claim = claims.claim_authorship(user, authorship)
    except RateLimited as exc:
        return too_many_requests(exc, hf_error(429, str(exc)))
    except claims.ClaimError as exc:
        return hf_error(409, str(exc))
    status = "claimed_verified" if claim.status == AuthorClaim.Status.APPROVED else claim.status
    return JsonResponse({"paperId": paper.id, "claimAuthorId": author_id, "status": status})


# --------------------------------------------------------------------------------------------
# Linked repositories, the paper list and indexing (issue 26). Links are found by the enrichment
# room (abstract, arXiv's comments, editors' comments) or set by members with the right to.


def _hub_repo(link, kind: str) -> dict:
    owner = link.repo_id.split("/", 1)[0]
    return {"id": link.repo_id, "_id": f"{kind}-{link.pk}", "author": owner, "url": link.url}


def linked_repos_payload(paper: Paper) -> dict:
    """``linkedModels`` / ``linkedDatasets`` / ``linkedSpaces`` and their ``numTotal…`` counts, as the
    Hub adds them to ``GET /api/papers/{id}`` (``PaperInfo`` builds ModelInfo/DatasetInfo/SpaceInfo
    from them: each needs an ``id``)."""
    found = enrichment.hub_links(paper)
    models, datasets, spaces = (found[k] for k in ("model", "dataset", "space"))
    return {
        "linkedModels": [_hub_repo(x, "model") for x in models],
        "numTotalModels": len(models),
        "linkedDatasets": [_hub_repo(x, "dataset") for x in datasets],
        "numTotalDatasets": len(datasets),
        "linkedSpaces": [_hub_repo(x, "space") for x in spaces],
        "numTotalSpaces": len(spaces),
    }


@require_GET
def arxiv_repos(request, paper_id: str):
    """``GET /api/arxiv/{id}/repos``: the Hub repositories citing the paper (``models``, ``datasets``,
    ``spaces``), and, beyond the Hub's answer, its code repositories (``code``, the shown one first)."""
    paper = Paper.objects.filter(pk=paper_id).first()
    if paper is None:
        return hf_error(404, "Paper not found")
    found = enrichment.hub_links(paper)
    return JsonResponse({
        "models": [_hub_repo(x, "model") for x in found["model"]],
        "datasets": [_hub_repo(x, "dataset") for x in found["dataset"]],
        "spaces": [_hub_repo(x, "space") for x in found["space"]],
        "code": [{"url": x.url, "id": x.repo_id, "origin": x.origin} for x in enrichment.repositories(paper)],
    })


@csrf_exempt  # a Bearer-token API, as paper_comment
def paper_links(request, paper_id: str):
    """``POST /api/papers/{id}/links`` ``{"githubRepo"?, "projectPage"?, "organizationId"?}``, as the
    Hub's: set by the paper's submitter, its claimed authors, its organization's admins or staff
    (``Paper.links_editable_by``). An empty string says the paper has none (found ones are marked
    wrong). ``organizationId`` (an organization's ``_id`` or name) sets the paper's organization: one
    the member belongs to. Answers the paper object."""
    user, refusal = token_writer(request)
    if refusal is not None:
        return refusal
    paper = Paper.objects.filter(pk=paper_id).first()
    if paper is None:
        return hf_error(404, "Paper not found")
    body = _json_body(request)
    if body is None:
        return hf_error(400, "Invalid JSON body")
    values = {key: body.get(key) for key in ("githubRepo", "projectPage", "organizationId") if body.get(key) is not None}
    if not values or any(not isinstance(v, str) for v in values.values()):
        return hf_error(400, 'Expected a JSON body with string fields "githubRepo", "projectPage" or "organizationId"')
    try:
        count_per_minute(user.pk)
        enrichment.set_member_links(
            user, paper, github_repo=values.get("githubRepo"), project_page=values.get("projectPage"),
            organization=values.get("organizationId"),
        )
    except RateLimited as exc:
        return too_many_requests(exc, hf_error(429, str(exc)))
    except enrichment.NotAllowedToEditLinks as exc:
        return hf_error(403, str(exc))
    except enrichment.LinkError as exc:
        return hf_error(400, str(exc))
    paper, entry = load_paper(paper.pk)
    return JsonResponse({**paper_payload(paper, entry, site_base(request)), **linked_repos_payload(paper)})


MAX_LIST_LIMIT = 100
DEFAULT_LIST_LIMIT = 50


def _cursor(paper: Paper) -> str:
    raw = json.dumps([paper.published_at.isoformat() if paper.published_at else None, paper.pk])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _parse_cursor(value: str) -> tuple[dt.datetime | None, str]:
    """(published_at, id) of the last paper of the previous page; BadParameter when it is not one of ours."""
    try:
        published, paper_id = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
        if not isinstance(paper_id, str) or len(paper_id) > 80:
            raise ValueError
        when = dt.datetime.fromisoformat(published) if published is not None else None
        if when is not None and when.tzinfo is None:
            raise ValueError
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error):
        raise BadParameter("cursor is not a cursor this API gave") from None
    return when, paper_id


@require_GET
def papers_list(request):
    """``GET /api/papers?cursor=&limit=``: every paper, newest first (first-version date, then id;
    undated papers last), a page at a time; the next page's URL is in ``Link: <…>; rel="next"``."""
    try:
        limit = int_param(request.GET, "limit", DEFAULT_LIST_LIMIT, 1, MAX_LIST_LIMIT)
        cursor = request.GET.get("cursor") or ""
        after = _parse_cursor(cursor) if cursor else None
    except BadParameter as exc:
        return hf_error(400, str(exc))
    papers = Paper.objects.select_related("organization").order_by(F("published_at").desc(nulls_last=True), "-id")
    if after is not None:
        when, last_id = after
        if when is None:  # in the undated tail
            papers = papers.filter(published_at=None, id__lt=last_id)
        else:
            papers = papers.filter(Q(published_at__lt=when) | Q(published_at=when, id__lt=last_id) | Q(published_at=None))
    page = list(papers[: limit + 1])
    more, page = len(page) > limit, page[:limit]
    prefetch_related_objects(page, ordered_authorships(with_users=True))
    entries = {e.paper_id: e for e in DailyEntry.objects.filter(paper__in=page).select_related("organization", "submitted_by")}
    base = site_base(request)
    response = JsonResponse([daily_item_payload(p, entries.get(p.pk), base) for p in page], safe=False)
    if more:
        response["Link"] = f'<{base}{request.path}?{urlencode({"cursor": _cursor(page[-1]), "limit": limit})}>; rel="next"'
    return response


_INDEX_ID = re.compile(r"\d{4}\.\d{4,5}")


@csrf_exempt  # a Bearer-token API, as paper_comment
def papers_index(request):
    """``POST /api/papers/index`` ``{"arxivId": "2406.01234"}`` with a member's token: a paper the site
    has is answered at once; one it lacks is fetched from arXiv and put on today's page through the
    site's submission (ingest.services.submit_paper: its window, rate limit and worker hand-over), so
    a paper older than the submission window is refused here (docs/hf-api.md). 200 with the paper,
    or 202 while the worker fetches it."""
    user, refusal = token_writer(request)
    if refusal is not None:
        return refusal
    body = _json_body(request)
    arxiv_id = body.get("arxivId") if body is not None else None
    if not isinstance(arxiv_id, str) or not _INDEX_ID.fullmatch(arxiv_id):
        return hf_error(400, 'Expected a JSON body {"arxivId": "2406.01234"} (an arXiv id without version)')
    if not Paper.objects.filter(pk=arxiv_id).exists():
        try:
            result = submissions.submit_paper(user, arxiv_id)
        except RateLimited as exc:
            return too_many_requests(exc, hf_error(429, str(exc)))
        except submissions.SubmissionError as exc:
            return hf_error(400, str(exc))
        if isinstance(result, submissions.PendingSubmission):
            return JsonResponse({"arxivId": arxiv_id, "status": "pending", "message": result.message}, status=202)
    paper, entry = load_paper(arxiv_id)
    return JsonResponse(paper_payload(paper, entry, site_base(request)))


@csrf_exempt  # it only ever answers 404; without this a POST to an unknown URL would get the CSRF page
def api_not_found(request, *args, **kwargs):
    """Any other URL under /api/: a JSON 404 in the error shape of the API it is under."""
    if request.path.startswith("/api/v1/"):
        return JsonResponse({"detail": f"No such endpoint: {request.path[:200]}"}, status=404)
    return hf_error(404, "Not found")
