"""Typed shapes of the native API (``/api/v1/``); the OpenAPI document is generated from them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import ConfigDict, Field, PlainValidator, StrictBool, StrictInt, WithJsonSchema

from dailypapers.papers.models import CollectionItem, DailyEntry, Organization, Paper
from dailypapers.papers.periods import DAY_PATTERN, YEARS, BadPeriod, parse_day
from dailypapers.papers.text import plain_text

# Rules the schema states so clients and fuzzers can read them: no NUL in any text (the site refuses
# it everywhere, lib.middleware.NulCharactersMiddleware), dates as YYYY-MM-DD in the site's years.
NO_NUL = r"^[^\x00]*$"
NO_NUL_RULE = "no NUL characters"


def _day(value) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str):  # 0 read as a Unix time (1970-01-01) before
        raise ValueError(f"a date as YYYY-MM-DD in the years {YEARS}")
    try:
        return parse_day(value)
    except BadPeriod as exc:
        raise ValueError(str(exc)) from None


# ``since`` (api.sync.parse_since): a day, or a time on one (RFC 3339), in the site's years.
_TIME = r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?(?:Z|[+-](?:0[0-9]|1[0-3]):[0-5][0-9])"
SINCE_SCHEMA = {"anyOf": [
    {"type": "string", "maxLength": 0},
    {"type": "string", "format": "date", "pattern": DAY_PATTERN},
    {"type": "string", "format": "date-time", "pattern": DAY_PATTERN[:-1] + _TIME + "$"},
], "description": f"an ISO 8601 date or RFC 3339 time, in the years {YEARS} (empty: no bound)"}

Day = Annotated[dt.date, PlainValidator(_day), WithJsonSchema(
    {"type": "string", "format": "date", "pattern": DAY_PATTERN, "description": f"YYYY-MM-DD, in the years {YEARS}"}
)]


class ErrorOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    detail: list[dict]


class OrganizationOut(Schema):
    slug: str
    name: str
    url: str
    avatar_url: str
    papers_url: str


class PaperOut(Schema):
    id: str
    title: str
    abstract: str
    authors: list[str]
    num_authors: int | None = Field(description="Authors listed by the source; may exceed len(authors) when names were not given")
    published_at: dt.datetime | None
    updated_at: dt.datetime | None
    version: int
    categories: list[str]
    primary_category: str
    doi: str
    journal_ref: str
    comments: str
    license: str
    report_no: str = Field(description="arXiv's report-no: the report number(s) of the authors' institution")
    withdrawn_at: dt.datetime | None = Field(description="When arXiv marked the paper withdrawn; null if it is not")
    github_repo: str
    project_page: str
    keywords: list[str] = Field(description="Keyphrases of title and abstract, extracted offline (YAKE); [] until the worker got to it")
    url: str = Field(description="The paper's page on this site")
    arxiv_url: str
    pdf_url: str
    upvotes: int
    num_comments: int
    organization: OrganizationOut | None
    daily_date: dt.date | None = Field(description="The day the paper is on the daily pages, if any")
    submitted_at: dt.datetime | None
    submitted_by: str | None


class AuthorOut(Schema):
    position: int = Field(description="0-based place in the byline")
    name: str = Field(description="The name as this paper writes it")
    author_id: int = Field(description="The author identity (one per name across papers)")
    status: str | None = Field(description='"claimed_verified" when a member\'s claim on this author was approved, else null')
    user: str | None = Field(description="Username of the member who claimed this author, if any")


class PaperDetailOut(PaperOut):
    author_details: list[AuthorOut] = Field(description="The byline with each author's claim status")


class ClaimOut(Schema):
    id: int
    paper_id: str
    position: int
    name: str
    status: str = Field(description="pending, approved or rejected")
    created_at: dt.datetime


class PaperPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PaperOut]


class PeriodOut(Schema):
    kind: str
    key: str
    label: str
    start: dt.date
    end: dt.date
    previous: str
    next: str
    count: int
    items: list[PaperOut]


class TrendingItemOut(PaperOut):
    trending_score: float
    age_hours: float


class TrendingOut(Schema):
    formula: str
    gravity: float
    offset_hours: float
    window_days: int
    items: list[TrendingItemOut]


class SearchItemOut(PaperOut):
    score: float
    title_highlight: str
    abstract_highlight: str


class SearchOut(Schema):
    query: str
    mode: str
    total: int = Field(description="matches found; an estimate when total_exact is false")
    total_exact: bool = Field(description="false when total was estimated (large unfiltered keyword unions)")
    notice: str
    exact_paper_id: str | None
    no_good_match: bool = Field(
        default=False, description="true when nothing was close enough to show (items is empty): say so rather than list unrelated papers"
    )
    missing_arxiv_id: str | None = Field(
        default=None, description="the query was an arXiv id this site does not have; POST it to the submit form to add it"
    )
    did_you_mean: str | None = Field(
        default=None,
        description="the query with its typos corrected from the index's vocabulary; items are its matches (spelling=off: the words as typed)",
    )
    items: list[SearchItemOut]


class SimilarItemOut(PaperOut):
    score: float


class OrganizationPage(Schema):
    count: int
    items: list[OrganizationOut]


class VoteOut(Schema):
    id: str
    voted: bool
    upvotes: int


class InputSchema(Schema):
    """A request body: a JSON object with only the documented fields, each of its own JSON type
    (``"is_public": "yes"`` is an error, not true), never null unless the field says so."""

    model_config = ConfigDict(extra="forbid")


class SubmissionIn(InputSchema):
    paper: str = Field(min_length=1, max_length=300, pattern=NO_NUL, description=f"arXiv id or URL (abs or pdf); {NO_NUL_RULE}")
    organization: str = Field("", max_length=100, pattern=NO_NUL,
                              description="Slug of an organization that approved you as a member: submit on its behalf")


class PendingSubmissionOut(Schema):
    """A submission accepted while arXiv is slow: the worker fetches the paper, then it is on ``date``'s page."""

    id: str
    status: str = Field(description='"fetching", or "retrying" while arXiv is too busy to answer (the worker tries again)')
    date: dt.date
    detail: str


class CollectionIn(InputSchema):
    name: str = Field(min_length=1, max_length=200, pattern=NO_NUL, description=NO_NUL_RULE)
    description: str = Field("", max_length=5000, pattern=NO_NUL, description=NO_NUL_RULE)
    is_public: StrictBool = False


class CollectionPatch(InputSchema):
    """Only the fields given change; null is not a value for any of them."""

    name: str = Field(None, min_length=1, max_length=200, pattern=NO_NUL, description=NO_NUL_RULE)
    description: str = Field(None, max_length=5000, pattern=NO_NUL, description=NO_NUL_RULE)
    is_public: StrictBool = Field(None)


class CollectionOut(Schema):
    id: int
    name: str
    description: str
    is_public: bool
    owner: str
    num_papers: int
    created_at: dt.datetime
    updated_at: dt.datetime


class CollectionItemIn(InputSchema):
    note: str = Field("", max_length=5000, pattern=NO_NUL, description=NO_NUL_RULE)
    position: StrictInt | None = Field(None, ge=0, le=1_000_000)
    read: StrictBool | None = Field(None, description="true: mark read (now); false: unread; omitted: unchanged")


class CollectionItemOut(Schema):
    paper: PaperOut
    note: str
    position: int
    added_at: dt.datetime
    read_at: dt.datetime | None = Field(None, description='When the owner marked it read ("mark as read"); null if unread')


class CollectionDetailOut(CollectionOut):
    items: list[CollectionItemOut]


class MeOut(Schema):
    username: str
    upvotes: int
    collections: int


# --------------------------------------------------------------------------------------------
# Model -> payload


def organization_out(org: Organization) -> dict:
    return {
        "slug": org.slug,
        "name": org.name,
        "url": org.url,
        "avatar_url": org.avatar_url,
        "papers_url": org.get_absolute_url(),
    }


def paper_out(paper: Paper, entry: DailyEntry | None = None) -> dict:
    """A paper as the native API shows it. Authors come from a prefetch of ``authorships``."""
    if entry is None:
        entry = paper.entry
    organization = paper.shown_organization(entry)
    return {
        "id": paper.id,
        "title": paper.title,
        "abstract": plain_text(paper.abstract),
        "authors": [a.shown_name for a in paper.authorships.all()],
        "num_authors": paper.listed_author_count,
        "published_at": paper.published_at,
        "updated_at": paper.updated_at,
        "version": paper.version,
        "categories": list(paper.categories or []),
        "primary_category": paper.primary_category,
        "doi": paper.doi,
        "journal_ref": paper.journal_ref,
        "comments": paper.comments,
        "license": paper.license,
        "report_no": paper.report_no,
        "withdrawn_at": paper.withdrawn_at,
        "github_repo": paper.github_repo,
        "project_page": paper.project_page,
        "keywords": list(paper.keywords or []),
        "url": paper.get_absolute_url(),
        "arxiv_url": paper.arxiv_url,
        "pdf_url": paper.pdf_url,
        "upvotes": paper.upvotes,
        "num_comments": paper.num_comments,
        "organization": organization_out(organization) if organization else None,
        "daily_date": entry.date if entry else None,
        "submitted_at": entry.submitted_at if entry else None,
        "submitted_by": entry.submitted_by.username if entry and entry.submitted_by_id else None,
    }


def author_details_out(paper: Paper) -> list[dict]:
    """The byline with claims; needs the authorships prefetched with their users (``with_users``)."""
    details = []
    for a in paper.authorships.all():
        claimed = a.author.user if a.author.user_id and a.author.user.is_active else None
        details.append({
            "position": a.position, "name": a.shown_name, "author_id": a.author_id,
            "status": "claimed_verified" if claimed else None, "user": claimed.username if claimed else None,
        })
    return details


def claim_out(claim) -> dict:
    return {"id": claim.pk, "paper_id": claim.paper_id, "position": claim.position, "name": claim.name,
            "status": claim.status, "created_at": claim.created_at}


def entry_out(entry: DailyEntry) -> dict:
    return paper_out(entry.paper, entry)


def collection_out(collection) -> dict:
    return {
        "id": collection.pk,
        "name": collection.name,
        "description": collection.description,
        "is_public": collection.is_public,
        "owner": collection.owner.username,
        "num_papers": getattr(collection, "num_papers", None) or collection.items.count(),
        "created_at": collection.created_at,
        "updated_at": collection.updated_at,
    }


def collection_item_out(item: CollectionItem) -> dict:
    return {"paper": paper_out(item.paper), "note": item.note, "position": item.position, "added_at": item.added_at, "read_at": item.read_at}


class CommentOut(Schema):
    id: int
    paper_id: str
    parent_id: int | None
    author: str | None = Field(description="Username (\"[deleted member]\" after the author deleted the account); null if deleted or hidden")
    html: str = Field(description="The comment rendered and sanitized; empty when deleted or hidden")
    source: str = Field(description="The markdown as written; empty when deleted or hidden")
    created_at: dt.datetime
    edited_at: dt.datetime | None
    deleted: bool
    hidden: bool


class CommentIn(Schema):
    text: str = Field(pattern=NO_NUL, description=f"Markdown (CommonMark, no raw HTML or images); @username mentions a member; {NO_NUL_RULE}")
    parent_id: int | None = Field(None, description="The comment this replies to")


def comment_out(comment) -> dict:
    shown = comment.is_visible
    return {
        "id": comment.pk,
        "paper_id": comment.paper_id,
        "parent_id": comment.parent_id,
        "author": comment.author_name if shown else None,
        "html": comment.html if shown else "",
        "source": comment.source if shown else "",
        "created_at": comment.created_at,
        "edited_at": comment.edited_at if shown else None,
        "deleted": comment.is_deleted,
        "hidden": comment.is_hidden,
    }


class TrendSeriesOut(Schema):
    topic: str = Field(description="the words, or the arXiv category")
    kind: str = Field(description='"words" or "category"')
    label: str
    papers: list[int] = Field(description="papers first published in each month of `months`")
    upvotes: list[int] = Field(description="upvotes (imported and members') of those papers")
    total_papers: int
    total_upvotes: int


class TrendsOut(Schema):
    months: list[str] = Field(description='"YYYY-MM", consecutive, from the first month with a paper to the current one')
    series: list[TrendSeriesOut]


class PaperChangeOut(PaperOut):
    modified_at: dt.datetime = Field(description="the paper's last change: the feed's order")


class VoteChangeOut(Schema):
    id: int
    paper_id: str
    created_at: dt.datetime
    upvotes: int = Field(description="the paper's upvotes now (imported + members')")
    member_upvotes: int


class CommentChangeOut(CommentOut):
    changed_at: dt.datetime = Field(description="posted, edited, deleted or hidden, the latest: the feed's order")


class ChangesPage(Schema):
    next_cursor: str | None = Field(description="pass as `cursor` for the next page, and keep the last one to ask again later")
    has_more: bool = Field(description="more rows are waiting now")


class PaperChangesOut(ChangesPage):
    items: list[PaperChangeOut]


class VoteChangesOut(ChangesPage):
    items: list[VoteChangeOut]


class CommentChangesOut(ChangesPage):
    items: list[CommentChangeOut]
