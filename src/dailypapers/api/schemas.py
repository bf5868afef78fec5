"""Typed shapes of the native API (``/api/v1/``); the OpenAPI document is generated from them."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import ConfigDict, Field, StrictBool, StrictInt

from dailypapers.papers.models import CollectionItem, DailyEntry, Organization, Paper
from dailypapers.papers.text import plain_text


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
    paper: str = Field(min_length=1, max_length=300, description="arXiv id or URL (abs or pdf)")
    organization: str = Field("", max_length=100, description="Slug of an organization that approved you as a member: submit on its behalf")


class PendingSubmissionOut(Schema):
    """A submission accepted while arXiv is slow: the worker fetches the paper, then it is on ``date``'s page."""

    id: str
    status: str = Field(description='always "fetching"')
    date: dt.date
    detail: str


class CollectionIn(InputSchema):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    is_public: StrictBool = False


class CollectionPatch(InputSchema):
    """Only the fields given change; null is not a value for any of them."""

    name: str = Field(None, min_length=1, max_length=200)
    description: str = Field(None, max_length=5000)
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
    note: str = Field("", max_length=5000)
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
    text: str = Field(description="Markdown (CommonMark, no raw HTML or images); @username mentions a member")
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
