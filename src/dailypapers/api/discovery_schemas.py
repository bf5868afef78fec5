"""The native API's shapes for discovery: "for you" picks with their reasons, feedback, follows."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from dailypapers.api.schemas import InputSchema, PaperOut, paper_out


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


class FollowIn(InputSchema):
    kind: Literal["author", "organization", "category", "search"]
    target: str = Field(min_length=1, max_length=250, description="author id, organization slug, category, or search text")


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
