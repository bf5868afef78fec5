"""The native API's shapes for discovery: "for you" picks with their reasons, feedback, follows."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from dailypapers.api.schemas import InputSchema, PaperOut, paper_out
from dailypapers.discovery.models import MAX_SEARCH_CHARS
from dailypapers.papers.identifiers import CATEGORY_PATTERN, MAX_CATEGORY_CHARS, MAX_ORGANIZATION_SLUG_CHARS, ORGANIZATION_SLUG_PATTERN


class BecauseOut(Schema):
    kind: str = Field(description="saved | upvoted | more | keyword | follow: what the pick resembles or matches")
    paper_id: str | None = None
    title: str | None = None
    keyword: str | None = None
    shared_terms: list[str] = []
    follow: str | None = Field(None, description="for kind follow: author | organization | category | search")
    target: str | None = None
    label: str | None = None


class ForYouItemOut(PaperOut):
    reason: str = Field(description="Why the paper is here, in words")
    because: BecauseOut
    score: float


class ForYouOut(Schema):
    items: list[ForYouItemOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last")
    cold_start: bool = Field(description="True when the member has given nothing to rank by yet (no votes, saves, feedback or follows)")


class FeedbackIn(InputSchema):
    paper_id: str = Field(min_length=1, max_length=80)
    signal: Literal["more", "less", "none"] = Field(description="more like this / not interested / none: undo")


class FeedbackOut(Schema):
    paper_id: str
    signal: str


# A follow's body, one shape per kind, so the schema states each kind's target format (an author's
# id, an organization's slug, a category, a search with a word in it): every schema-valid target
# is one the API takes or answers 404 for (no such author or organization).
class AuthorFollowIn(InputSchema):
    kind: Literal["author"]
    target: str = Field(min_length=1, max_length=18, pattern=r"^[0-9]{1,18}$", description="an author's id (a paper's author_details)")


class OrganizationFollowIn(InputSchema):
    kind: Literal["organization"]
    target: str = Field(min_length=1, max_length=MAX_ORGANIZATION_SLUG_CHARS, pattern=f"^{ORGANIZATION_SLUG_PATTERN}$",
                        description="an organization's slug")


class CategoryFollowIn(InputSchema):
    kind: Literal["category"]
    target: str = Field(min_length=1, max_length=MAX_CATEGORY_CHARS, pattern=f"^{CATEGORY_PATTERN}$", description="an arXiv category, e.g. cs.CL")


class SearchFollowIn(InputSchema):
    kind: Literal["search"]
    target: str = Field(min_length=1, max_length=MAX_SEARCH_CHARS, pattern="[0-9A-Za-z]",
                        description="a search's text, with at least one letter or digit")


FollowIn = Annotated[AuthorFollowIn | OrganizationFollowIn | CategoryFollowIn | SearchFollowIn, Field(discriminator="kind")]


class FollowOut(Schema):
    id: int
    kind: str
    target: str
    label: str
    created_at: dt.datetime
    feed_rss: str = Field(description="This follow's private RSS feed (keep it secret; revocable)")
    feed_atom: str


def for_you_item_out(paper) -> dict:
    return {**paper_out(paper), "reason": paper.reason, "because": paper.because, "score": round(paper.pick_score, 4)}
