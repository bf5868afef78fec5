"""The OpenAPI 3.1 document of the Hugging Face–compatible API (``/api/openapi.json``), so clients
and fuzzers can read what ``api.hf`` takes: path formats (paper ids), limits, the years of dates and
the NUL rule. Written by hand (the views are plain Django views); ``tests/api/test_openapi_documents.py``
validates it against the OpenAPI specification and checks it names every route of ``api.hf``.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from dailypapers.api.hf import DEFAULT_DAILY_LIMIT, DEFAULT_LIST_LIMIT, MAX_DAILY_LIMIT, MAX_LIST_LIMIT
from dailypapers.api.schemas import NO_NUL, NO_NUL_RULE
from dailypapers.community.models import MAX_COMMENT_CHARS
from dailypapers.lib.pagecache import cached_page
from dailypapers.papers.identifiers import ARXIV_NEW_STYLE, PAPER_ID_PATTERN
from dailypapers.papers.periods import DAY_PATTERN, MONTH_PATTERN, WEEK_PATTERN, YEARS
from dailypapers.search import HF_API, MAX_QUERY_CHARS

ERROR = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
PAPER = {"type": "object", "description": "A paper as the Hub answers it: id, title, summary, authors, publishedAt, upvotes…",
         "properties": {"id": {"type": "string"}, "title": {"type": "string"}, "summary": {"type": "string"},
                        "authors": {"type": "array", "items": {"type": "object"}}, "upvotes": {"type": "integer"}}}
DAILY_ITEM = {"type": "object", "description": "A daily item: the paper under `paper`, with title, summary, publishedAt… repeated",
              "properties": {"paper": PAPER, "title": {"type": "string"}, "publishedAt": {"type": "string"}}}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict:
    words = {400: "a parameter or body the endpoint cannot use (the message says which)", 401: "no valid Bearer token",
             403: "not allowed for this member", 404: "no such paper, comment or author", 409: "already claimed",
             429: "rate-limited (Retry-After)"}
    return {str(s): _json(ERROR, words[s]) for s in statuses}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


PAPER_ID_PARAMETER = {
    "name": "paper_id", "in": "path", "required": True,
    "schema": {"type": "string", "pattern": f"^{PAPER_ID_PATTERN}$", "examples": ["2504.07952"]},
    "description": "An arXiv id without version (2504.07952, old style hep-th/9901001) or a source-prefixed id (sample-3f2a9c01bd)",
}
TEXT = {"type": "string", "pattern": NO_NUL}


def _body(properties: dict, required: list[str]) -> dict:
    schema = {"type": "object", "properties": properties, "required": required}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def document() -> dict:
    bearer = [{"bearer": []}]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Daily Papers — Hugging Face–compatible API", "version": "1.0",
            "description": ("The Hub's papers endpoints as `huggingface_hub` (HfApi(endpoint=…)) and `hf papers` call them "
                            "(docs/hf-api.md). Errors are `{\"error\": message}`. Dates are YYYY-MM-DD in the years "
                            f"{YEARS}; text takes {NO_NUL_RULE} (a 400 anywhere). The native API is /api/v1/openapi.json."),
        },
        "servers": [{"url": "/"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "a member's API token (dp_…)"}}},
        "paths": {
            "/api/daily_papers": {"get": {
                "summary": "Daily papers", "operationId": "daily_papers",
                "parameters": [
                    _query("date", {"type": "string", "format": "date", "pattern": DAY_PATTERN}, f"a day, YYYY-MM-DD ({YEARS})"),
                    _query("week", {"type": "string", "pattern": WEEK_PATTERN}, "an ISO week, YYYY-Www (at most one of date, week, month)"),
                    _query("month", {"type": "string", "pattern": MONTH_PATTERN}, "a month, YYYY-MM"),
                    _query("submitter", {**TEXT, "maxLength": 150}, "the submitting member's username"),
                    _query("sort", {"type": "string", "enum": ["publishedAt", "trending"]}, "newest first, or by the trending score"),
                    _query("p", {"type": "integer", "minimum": 0, "maximum": 100_000}, "the page, from 0"),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_DAILY_LIMIT}, f"default {DEFAULT_DAILY_LIMIT}"),
                ],
                "responses": {"200": _json({"type": "array", "items": DAILY_ITEM}, "the page's items"), **_errors(400)},
            }},
            "/api/papers/search": {"get": {
                "summary": "Search papers", "operationId": "papers_search",
                "parameters": [
                    _query("q", {**TEXT, "maxLength": MAX_QUERY_CHARS}, "words, a phrase or an arXiv id; empty: the newest daily papers"),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": HF_API.max_limit}, f"default {HF_API.default_limit}"),
                ],
                "responses": {"200": _json({"type": "array", "items": DAILY_ITEM}, "the best matches"), **_errors(400, 429)},
            }},
            "/api/papers": {"get": {
                "summary": "Every paper, newest first, a page at a time", "operationId": "papers_list",
                "parameters": [
                    _query("cursor", {"type": "string", "pattern": "^[A-Za-z0-9_-]*$", "maxLength": 400},
                           'opaque: the cursor of the `Link: <…>; rel="next"` header of the previous page'),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIST_LIMIT}, f"default {DEFAULT_LIST_LIMIT}"),
                ],
                "responses": {"200": _json({"type": "array", "items": DAILY_ITEM}, "one page; the next one's URL in `Link`"), **_errors(400)},
            }},
            "/api/papers/{paper_id}": {"get": {
                "summary": "One paper", "operationId": "paper_info", "parameters": [PAPER_ID_PARAMETER],
                "responses": {"200": _json(PAPER, "the paper, with its linked repositories"), **_errors(404)},
            }},
            "/papers/{paper_id}.md": {"get": {
                "summary": "One paper as markdown (also: the paper page with Accept: text/markdown)", "operationId": "paper_markdown",
                "parameters": [PAPER_ID_PARAMETER],
                "responses": {"200": {"description": "markdown", "content": {"text/markdown": {"schema": {"type": "string"}}}},
                              "404": {"description": "no such paper", "content": {"text/plain": {"schema": {"type": "string"}}}}},
            }},
            "/api/arxiv/{paper_id}/repos": {"get": {
                "summary": "A paper's models, datasets, spaces and code", "operationId": "arxiv_repos", "parameters": [PAPER_ID_PARAMETER],
                "responses": {"200": _json({"type": "object"}, "models, datasets, spaces, code"), **_errors(404)},
            }},
            "/api/papers/{paper_id}/comment": {"post": {
                "summary": "Comment on a paper", "operationId": "paper_comment", "security": bearer, "parameters": [PAPER_ID_PARAMETER],
                "requestBody": _body({"comment": {**TEXT, "minLength": 1, "maxLength": MAX_COMMENT_CHARS, "description": f"markdown; {NO_NUL_RULE}"}},
                                     ["comment"]),
                "responses": {"200": _json({"type": "object"}, "{newMessage, numComments}"), **_errors(400, 401, 404, 429)},
            }},
            "/api/papers/{paper_id}/comment/{comment_id}/reply": {"post": {
                "summary": "Reply to a comment", "operationId": "paper_comment_reply", "security": bearer,
                "parameters": [PAPER_ID_PARAMETER, {"name": "comment_id", "in": "path", "required": True,
                                                    "schema": {"type": "string", "pattern": "^[0-9]+$"}}],
                "requestBody": _body({"comment": {**TEXT, "minLength": 1, "maxLength": MAX_COMMENT_CHARS}}, ["comment"]),
                "responses": {"200": _json({"type": "object"}, "{newMessage, numComments}"), **_errors(400, 401, 404, 429)},
            }},
            "/api/settings/papers/claim": {"post": {
                "summary": "Claim authorship", "operationId": "claim_paper_author", "security": bearer,
                "requestBody": _body({"paperId": {**TEXT, "maxLength": 100}, "claimAuthorId": {"type": "string", "pattern": "^[0-9]{1,18}$"},
                                      "targetUserId": {**TEXT, "description": "the token's member (its _id or username) when given"}},
                                     ["paperId", "claimAuthorId"]),
                "responses": {"200": _json({"type": "object"}, "{paperId, claimAuthorId, status}"), **_errors(400, 401, 403, 404, 409, 429)},
            }},
            "/api/papers/{paper_id}/links": {"post": {
                "summary": "Set a paper's code, project page or organization", "operationId": "paper_links", "security": bearer,
                "parameters": [PAPER_ID_PARAMETER],
                "requestBody": _body({"githubRepo": TEXT, "projectPage": TEXT, "organizationId": TEXT}, []),
                "responses": {"200": _json(PAPER, "the paper"), **_errors(400, 401, 403, 404, 429)},
            }},
            "/api/papers/index": {"post": {
                "summary": "Index a paper from arXiv", "operationId": "papers_index", "security": bearer,
                "requestBody": _body({"arxivId": {"type": "string", "pattern": f"^{ARXIV_NEW_STYLE}$"}}, ["arxivId"]),
                "responses": {"200": _json(PAPER, "the paper"), "202": _json({"type": "object"}, "fetching; it appears shortly"),
                              **_errors(400, 401, 429)},
            }},
        },
    }


@cached_page
@require_GET
def openapi_json(request):
    return JsonResponse(document())
