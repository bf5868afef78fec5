"""Incremental reads for mirrors and bots: what changed since a time, page by page, under ``/api/v1/changes/``.

Each feed orders its rows by (change time, id), ascending, and pages with a ``cursor``
(the last row served): a reader starts with ``since=`` (or nothing: from the beginning), follows
``next_cursor`` while ``has_more``, and keeps the last ``next_cursor`` to ask again later. A row
that changes again while a reader pages moves behind the cursor and is served again (never
skipped); rows younger than :data:`SETTLE_SECONDS` are held back, so a write still being
committed (its time is set before its transaction ends) cannot land behind a cursor already
handed out. docs/hf-api.md ("Incremental reads") says what each feed holds.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from django.db.models import F, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from ninja import Query, Router
from ninja.errors import HttpError
from pydantic import WithJsonSchema

from dailypapers.api import schemas as s
from dailypapers.community.models import Comment
from dailypapers.papers.models import Paper, Upvote

# Rows changed this recently are not served yet (see the module docstring).
SETTLE_SECONDS = 5
MAX_LIMIT = 500
CURSOR_MAX_CHARS = 200

router = Router(tags=["incremental reads"])
ERRORS = {400: s.ErrorOut, 422: s.ValidationErrorOut}


def parse_since(value: str) -> dt.datetime | None:
    """An ISO 8601 time (no zone: UTC) or date (its start, UTC); raises 400 on anything else."""
    value = value.strip()
    if not value:
        return None
    when = None
    # (A "+01:00" left unencoded in a query string arrives as " 01:00".)
    for text in (value, value.replace(" ", "+")):
        try:
            when = parse_datetime(text) or (dt.datetime.combine(day, dt.time()) if (day := parse_date(text)) else None)
        except ValueError:
            continue
        if when is not None:
            break
    if when is None:
        raise HttpError(400, "since must be an ISO 8601 time or date, e.g. 2026-12-01T00:00:00Z")
    return when if timezone.is_aware(when) else when.replace(tzinfo=dt.UTC)


# A cursor is the last row's place: its change time in microseconds since 1970 (UTC) and its key,
# "1733011200000000~2401.00001". Every string of that shape (the schema's pattern) is a place, so a
# client (or a fuzzer) can only send one the API can read, or one the schema already refuses.
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
PAPER_CURSOR = r"^[0-9]{1,16}~[A-Za-z0-9./_\-]{1,80}$"
ROW_CURSOR = r"^[0-9]{1,16}~[0-9]{1,18}$"


def cursor_schema(pattern: str) -> dict:
    return {"type": "string", "pattern": f"(^$)|({pattern})", "maxLength": CURSOR_MAX_CHARS,
            "description": "next_cursor of the previous page (the last row's time in µs since 1970 UTC, ~, its id)"}


# The feeds' shared parameter types (their schemas: the since rule trending uses, the cursor patterns).
Since = Annotated[str, WithJsonSchema(s.SINCE_SCHEMA)]
PaperCursor = Annotated[str, WithJsonSchema(cursor_schema(PAPER_CURSOR))]
RowCursor = Annotated[str, WithJsonSchema(cursor_schema(ROW_CURSOR))]


def encode_cursor(when: dt.datetime, key) -> str:
    return f"{(when.astimezone(dt.UTC) - EPOCH) // dt.timedelta(microseconds=1)}~{key}"


def decode_cursor(cursor: str, key_type=str) -> tuple[dt.datetime, object]:
    pattern = PAPER_CURSOR if key_type is str else ROW_CURSOR
    if not re.fullmatch(pattern, cursor):
        raise HttpError(400, "cursor is not one this API handed out")
    micros, _, key = cursor.partition("~")
    return EPOCH + dt.timedelta(microseconds=int(micros)), key_type(key)


def page(qs, time_field: str, key_field: str, since: str, cursor: str, limit: int, key_type=str) -> tuple[list, str | None, bool]:
    """``limit`` rows of ``qs`` after the cursor (or changed after ``since``) in (time, key) order,
    the cursor of the last one (or the one given, when none), and whether more are waiting."""
    # A cursor names a place past ``since`` already: when both come, the cursor wins.
    qs = qs.filter(**{f"{time_field}__lte": timezone.now() - dt.timedelta(seconds=SETTLE_SECONDS)})
    if cursor:
        when, key = decode_cursor(cursor, key_type)
        qs = qs.filter(Q(**{f"{time_field}__gt": when}) | Q(**{time_field: when, f"{key_field}__gt": key}))
    elif after := parse_since(since):
        qs = qs.filter(**{f"{time_field}__gt": after})
    rows = list(qs.order_by(time_field, key_field)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    if rows:
        last = rows[-1]
        cursor = encode_cursor(getattr(last, time_field), getattr(last, key_field))
    return rows, cursor or None, more


@router.get("/changes/papers", response={200: s.PaperChangesOut, **ERRORS}, summary="Papers added or changed since")
def paper_changes(
    request,
    since: Since = Query("", max_length=40, description="ISO 8601 time or date (UTC when no zone)"),
    cursor: PaperCursor = Query("", max_length=CURSOR_MAX_CHARS),
    limit: int = Query(100, ge=1, le=MAX_LIMIT),
):
    """Papers in order of their last change (``modified_at``: an import, an edit, a vote, found
    links or keywords), then id. Deleted papers are not listed (a harvest's deletions are rare)."""
    rows, next_cursor, more = page(Paper.objects.for_listing(), "modified_at", "id", since, cursor, limit)
    return {
        "items": [{**s.paper_out(p), "modified_at": p.modified_at} for p in rows],
        "next_cursor": next_cursor,
        "has_more": more,
    }


@router.get("/changes/votes", response={200: s.VoteChangesOut, **ERRORS}, summary="Upvotes cast since")
def vote_changes(
    request,
    since: Since = Query("", max_length=40, description="ISO 8601 time or date (UTC when no zone)"),
    cursor: RowCursor = Query("", max_length=CURSOR_MAX_CHARS),
    limit: int = Query(100, ge=1, le=MAX_LIMIT),
):
    """Members' upvotes in the order they were cast (who voted is not served), each with its paper's
    totals now. A withdrawn vote leaves no row: the paper's totals change, and a vote bumps the
    paper's ``modified_at``, so ``/changes/papers`` carries every change of the counts."""
    qs = Upvote.objects.select_related("paper")
    rows, next_cursor, more = page(qs, "created_at", "id", since, cursor, limit, key_type=int)
    return {
        "items": [
            {"id": v.pk, "paper_id": v.paper_id, "created_at": v.created_at, "upvotes": v.paper.upvotes, "member_upvotes": v.paper.member_upvotes}
            for v in rows
        ],
        "next_cursor": next_cursor,
        "has_more": more,
    }


@router.get("/changes/comments", response={200: s.CommentChangesOut, **ERRORS}, summary="Comments posted or changed since")
def comment_changes(
    request,
    since: Since = Query("", max_length=40, description="ISO 8601 time or date (UTC when no zone)"),
    cursor: RowCursor = Query("", max_length=CURSOR_MAX_CHARS),
    limit: int = Query(100, ge=1, le=MAX_LIMIT),
):
    """Comments in order of their last change (posted, edited, deleted or hidden: ``changed_at``),
    then id; deleted and hidden ones come with no content, so a mirror removes it."""
    qs = Comment.objects.select_related("author").annotate(
        changed_at=Greatest(
            F("created_at"), Coalesce("edited_at", "created_at"), Coalesce("deleted_at", "created_at"), Coalesce("hidden_at", "created_at")
        )
    )
    rows, next_cursor, more = page(qs, "changed_at", "id", since, cursor, limit, key_type=int)
    return {"items": [{**s.comment_out(c), "changed_at": c.changed_at} for c in rows], "next_cursor": next_cursor, "has_more": more}
