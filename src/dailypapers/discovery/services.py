"""Discovery's workflows for pages, the API and feeds: the "for you" page of picks, feedback, the
cold start, and the signed links of a member's private feeds."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass

from django.core import signing
from django.db import IntegrityError, transaction

from dailypapers.discovery.models import MAX_KEYWORD_CHARS, MAX_KEYWORDS, Feedback, Follow, Interests, new_feed_key
from dailypapers.discovery.ranking import Pick, recommend
from dailypapers.papers.models import Paper

MAX_LIMIT = 100
FEED_SALT = "dailypapers.discovery.feed"


class BadParameter(ValueError):
    """A parameter that cannot be used; the message says why (HTTP 400)."""


# -- for you --------------------------------------------------------------------------------
@dataclass
class FeedPage:
    papers: list[Paper]  # each with .reason and .because
    next_cursor: str | None
    cold: bool  # the member gave nothing to go on yet: show the cold-start choices


# A cursor is the offset of the next page as decimal digits: a format the OpenAPI schema states
# exactly (CURSOR_PATTERN; empty: the first page), so every schema-valid cursor is one this API
# accepts. Past the end of the feed a cursor gives an empty page.
CURSOR_PATTERN = r"^[0-9]{0,7}$"
MAX_CURSOR_CHARS = 7


def encode_cursor(offset: int) -> str:
    return str(offset)


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    if not re.fullmatch(CURSOR_PATTERN, cursor):
        raise BadParameter("cursor is not one this API gave out (it is the next_cursor of the previous page)")
    return int(cursor)


def attach(picks: list[Pick]) -> list[Paper]:
    """The picks' papers in order, for cards and the API, each with ``reason`` and ``because``."""
    papers = Paper.objects.filter(pk__in=[p.paper_id for p in picks]).for_listing().in_bulk()
    out = []
    for pick in picks:
        paper = papers.get(pick.paper_id)
        if paper is not None:
            paper.reason, paper.because, paper.pick_score = pick.reason, pick.because, pick.score
            out.append(paper)
    return out


def for_you(user, *, limit: int = 20, cursor: str | None = None) -> FeedPage:
    if not 1 <= limit <= MAX_LIMIT:
        raise BadParameter(f"limit must be between 1 and {MAX_LIMIT}")
    offset = decode_cursor(cursor)
    picks = recommend(user, limit=offset + limit + 1)
    page = picks[offset : offset + limit]
    more = len(picks) > offset + limit
    return FeedPage(attach(page), encode_cursor(offset + limit) if more else None, cold=not picks and offset == 0)


# -- feedback -------------------------------------------------------------------------------
SIGNALS = ("more", "less", "none")


def set_feedback(user, paper: Paper, signal: str) -> str:
    """``more`` / ``less`` on a paper, or ``none`` to undo; returns the signal now in force."""
    if signal not in SIGNALS:
        raise BadParameter("signal must be one of more, less, none")
    if signal == "none":
        Feedback.objects.filter(user=user, paper=paper).delete()
        return "none"
    try:
        with transaction.atomic():
            Feedback.objects.update_or_create(user=user, paper=paper, defaults={"signal": signal})
    except IntegrityError:  # the same mark made a moment ago by another request: set it again
        Feedback.objects.filter(user=user, paper=paper).update(signal=signal)
    return signal


# -- cold start -----------------------------------------------------------------------------
def start(user, *, categories=(), keywords=(), paper_ids=()) -> None:
    """A new member's picks: categories become follows, keywords the model's interests, papers
    "more like this". Raises BadParameter (nothing saved) for an unknown category or paper."""
    from dailypapers.discovery import follows as follow_rules

    categories = [c.strip() for c in categories if c and c.strip()]
    words = [" ".join(k.split()) for k in keywords if k and k.strip()]
    if len(words) > MAX_KEYWORDS or any(len(k) > MAX_KEYWORD_CHARS for k in words):
        raise BadParameter(f"at most {MAX_KEYWORDS} keywords of at most {MAX_KEYWORD_CHARS} characters")
    for c in categories:
        follow_rules.resolve_target(Follow.Kind.CATEGORY, c)  # raises FollowError (a ValueError) with its message
    papers = list(Paper.objects.filter(pk__in=[p.strip() for p in paper_ids if p and p.strip()]))
    if len(papers) != len({p.strip() for p in paper_ids if p and p.strip()}):
        raise BadParameter("one of the papers is not on this site")
    with transaction.atomic():
        for c in categories:
            follow_rules.follow(user, Follow.Kind.CATEGORY, c)
        if words:
            interests, _ = Interests.objects.get_or_create(user=user)
            interests.keywords = list(dict.fromkeys([*interests.keywords, *words]))[-MAX_KEYWORDS:]
            interests.save(update_fields=["keywords", "updated_at"])
        for paper in papers:
            set_feedback(user, paper, "more")


# -- private feeds --------------------------------------------------------------------------
class BadFeedToken(Exception):
    """A feed link that is malformed, forged or revoked."""


def _feed_key(user) -> str:
    interests, _ = Interests.objects.get_or_create(user=user)
    return interests.feed_key


def feed_token(user, follow: Follow | None = None) -> str:
    """The signed part of a private feed's URL: the member's own feed, or one follow's."""
    parts = [str(user.pk), _feed_key(user)] + ([str(follow.pk)] if follow else [])
    return signing.Signer(salt=FEED_SALT).sign(".".join(parts))


def feed_owner(token: str) -> tuple[object, Follow | None]:
    """(member, follow or None) of a feed token; raises BadFeedToken."""
    try:
        parts = signing.Signer(salt=FEED_SALT).unsign(token).split(".")
    except signing.BadSignature:
        raise BadFeedToken("This feed link is not valid; copy it again from your Following page.") from None
    if len(parts) not in (2, 3) or not all(p for p in parts) or not parts[0].isdigit():
        raise BadFeedToken("This feed link is not valid; copy it again from your Following page.")
    interests = Interests.objects.select_related("user").filter(user_id=int(parts[0])).first()
    if interests is None or not hmac.compare_digest(interests.feed_key, parts[1]) or not interests.user.is_active:
        raise BadFeedToken("This feed link was revoked; copy the new one from your Following page.")
    follow = None
    if len(parts) == 3:
        follow = Follow.objects.filter(pk=int(parts[2]) if parts[2].isdigit() else -1, user=interests.user).first()
        if follow is None:
            raise BadFeedToken("You no longer follow this; the feed is gone.")
    return interests.user, follow


def revoke_feed_links(user) -> None:
    """Every private feed link given out so far stops working; new ones are made on demand."""
    interests, _ = Interests.objects.get_or_create(user=user)
    interests.feed_key = new_feed_key()
    interests.save(update_fields=["feed_key", "updated_at"])


