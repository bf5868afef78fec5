"""What a digest says: the period's trending papers, each subscriber's selection, and rendering.

The period is ranked once per issue with the site's :class:`TrendingRanker`; every subscriber's
filters then pick from that one ranked list, so 100,000 subscribers cost one ranking, and all
subscribers with the same selection share one rendering (only their personal links differ).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from dailypapers.digests.models import DigestIssue, Frequency, Subscription
from dailypapers.papers.models import Paper, Upvote
from dailypapers.papers.periods import Period, parse_period
from dailypapers.papers.ranking import TrendingRanker
from dailypapers.papers.services import period_entries
from dailypapers.papers.text import author_count, plain_text

log = logging.getLogger(__name__)

PERIOD_KIND = {Frequency.DAILY: "day", Frequency.WEEKLY: "week"}
# Per-recipient links are rendered as these markers and filled in per message: one template
# rendering serves every subscriber with the same papers.
LINK_MARKERS = {
    "unsubscribe_url": "@@DIGEST_UNSUBSCRIBE_URL@@",
    "manage_url": "@@DIGEST_MANAGE_URL@@",
    "view_url": "@@DIGEST_VIEW_URL@@",
}


def absolute_url(path: str, base_url: str | None = None) -> str:
    """``path`` on the site: under ``base_url`` (a web page passes its request's, see
    ``request_base_url``), else under DAILYPAPERS_BASE_URL (mail, which has no request)."""
    return (base_url or settings.DAILYPAPERS_BASE_URL).rstrip("/") + path


def request_base_url(request) -> str:
    """The address this request reached the site at: links on web pages point back there."""
    return request.build_absolute_uri("/").rstrip("/")


def digest_period(frequency: str, period_key: str) -> Period:
    """The period a digest covers; raises ``BadPeriod`` with a reason for a malformed key."""
    return parse_period(PERIOD_KIND[Frequency(frequency)], period_key)


def rank_issue(frequency: str, period_key: str, now: dt.datetime | None = None) -> DigestIssue:
    """A new, unsaved issue: the period's entries ranked by the site's trending rule as of the
    period's end (or now, for a period still running)."""
    period = digest_period(frequency, period_key)
    now = now or timezone.now()
    period_end = timezone.make_aware(dt.datetime.combine(period.end, dt.time.max))
    ranked = TrendingRanker.from_settings().rank(period_entries(period), now=min(now, period_end))
    return DigestIssue(
        frequency=frequency,
        period_key=period_key,
        period_label=period.label,
        subject=f"{settings.SITE_NAME}: trending papers, {period.label}"[:200],
        ranked_paper_ids=[entry.paper_id for entry in ranked],
    )


def get_or_create_issue(frequency: str, period_key: str) -> DigestIssue:
    """The issue of this period, ranked on first use. Later calls (re-runs) reuse it unchanged,
    so every subscriber of one period gets the same ranking however long sending takes."""
    issue = DigestIssue.objects.filter(frequency=frequency, period_key=period_key).first()
    if issue:
        return issue
    ranked = rank_issue(frequency, period_key)
    issue, _ = DigestIssue.objects.get_or_create(
        frequency=frequency,
        period_key=period_key,
        defaults={f: getattr(ranked, f) for f in ("period_label", "subject", "ranked_paper_ids")},
    )
    return issue


@dataclass
class DigestItem:
    paper: Paper
    authors: str
    abstract: str
    url: str
    because: str = ""  # personal section: title of the upvoted paper it resembles


@dataclass
class Selection:
    """The papers one subscriber gets; equal selections share one rendering."""

    paper_ids: tuple[str, ...]
    personal: tuple[tuple[str, str], ...] = field(default=())  # (paper id, id of the upvoted paper)

    @property
    def key(self) -> tuple:
        return (self.paper_ids, self.personal)


def _query_terms(query: str) -> list[str]:
    return [t for t in re.split(r"\W+", query.lower()) if t]


class IssueContent:
    """Loaded once per issue: the ranked papers, and the selections/renderings derived from them."""

    def __init__(self, issue: DigestIssue, base_url: str | None = None):
        self.issue = issue
        self.base_url = base_url  # a web page's own address; None in mail (DAILYPAPERS_BASE_URL)
        self.top_n = settings.DAILYPAPERS_DIGEST_TOP_N
        self.papers = self._load(issue.ranked_paper_ids)
        self.ranked_ids = [pid for pid in issue.ranked_paper_ids if pid in self.papers]
        self.default = Selection(tuple(self.ranked_ids[: self.top_n]))
        self._rendered: dict[tuple, tuple[str, str]] = {}
        self._query_matches: dict[str, set[str]] = {}

    @staticmethod
    def _load(paper_ids) -> dict[str, Paper]:
        papers = Paper.objects.filter(pk__in=list(paper_ids)).with_authors()
        return {p.pk: p for p in papers}

    # -- selection ---------------------------------------------------------------------------
    def select(self, sub: Subscription) -> Selection:
        if not sub.has_filters and not (sub.personal and sub.user_id):
            return self.default
        ids = self.ranked_ids
        if sub.categories:
            wanted = set(sub.categories)
            ids = [pid for pid in ids if wanted.intersection(self.papers[pid].categories or [])
                   or self.papers[pid].primary_category in wanted]
        if sub.query:
            matches = self._matching(sub.query)
            ids = [pid for pid in ids if pid in matches]
        main = tuple(ids[: self.top_n])
        personal = ()
        if sub.personal and sub.user_id:
            personal = tuple(personal_picks(sub.user_id, exclude=set(main), limit=settings.DAILYPAPERS_DIGEST_PERSONAL_N))
        return Selection(main, personal)

    def _matching(self, query: str) -> set[str]:
        """Papers of this issue matching a saved query: every word in the title or abstract."""
        if query not in self._query_matches:
            terms = _query_terms(query)
            self._query_matches[query] = {
                pid for pid in self.ranked_ids
                if all(t in f"{self.papers[pid].title} {self.papers[pid].abstract}".lower() for t in terms)
            }
        return self._query_matches[query]

    # -- rendering ---------------------------------------------------------------------------
    def item(self, paper: Paper, because: str = "") -> DigestItem:
        return DigestItem(
            paper=paper,
            authors=author_line(paper),
            abstract=first_paragraph(paper.abstract),
            url=absolute_url(paper.get_absolute_url(), self.base_url),
            because=because,
        )

    def render(self, selection: Selection, *, public: bool = False) -> tuple[str, str]:
        """(html, text) with link markers; cached per selection. ``public``: the web archive copy."""
        cache_key = (selection.key, public)
        cached = self._rendered.get(cache_key)
        if cached:
            return cached
        extra = self._load([pid for pair in selection.personal for pid in pair if pid not in self.papers])
        papers = {**self.papers, **extra}
        context = {
            "issue": self.issue,
            "site_name": settings.SITE_NAME,
            "site_url": absolute_url("/", self.base_url),
            "items": [self.item(papers[pid]) for pid in selection.paper_ids if pid in papers],
            "personal": [
                self.item(papers[pid], because=papers[because].title)
                for pid, because in selection.personal if pid in papers and because in papers
            ],
            "period_url": absolute_url(digest_period(self.issue.frequency, self.issue.period_key).url(), self.base_url),
            "trending_url": absolute_url(reverse("papers:trending"), self.base_url),
            "public": public,
            **LINK_MARKERS,
        }
        rendered = (
            render_to_string("digests/email/digest.html", context),
            render_to_string("digests/email/digest.txt", context),
        )
        if len(self._rendered) < 10_000:  # bounded: personal selections are mostly unique
            self._rendered[cache_key] = rendered
        return rendered


def fill_links(body: str, links: dict[str, str]) -> str:
    for name, marker in LINK_MARKERS.items():
        body = body.replace(marker, links[name])
    return body


def author_line(paper: Paper, limit: int = 6) -> str:
    names = [a.shown_name for a in paper.authorships.all()]
    if not names:
        return author_count(paper.listed_author_count) if paper.listed_author_count else ""
    if len(names) > limit:
        return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
    return ", ".join(names)


def first_paragraph(text: str, max_chars: int = 600) -> str:
    """The abstract's first paragraph as plain readable text (math as characters), shortened."""
    return Truncator(plain_text(text).split("\n\n", 1)[0]).chars(max_chars)


def personal_picks(user_id: int, *, exclude: set[str], limit: int) -> list[tuple[str, str]]:
    """(paper id, upvoted paper id) pairs: papers like the member's recent upvotes.

    Similar papers come from the search backend's vectors when it has them; without a backend,
    or when it fails, papers sharing the upvoted paper's primary category stand in.
    """
    recent = list(Upvote.objects.filter(user_id=user_id).order_by("-created_at")
                  .values_list("paper_id", "paper__primary_category")[:3])
    voted = set(Upvote.objects.filter(user_id=user_id).values_list("paper_id", flat=True))
    seen = set(exclude) | voted
    picks: list[tuple[str, str]] = []
    for paper_id, category in recent:
        for candidate in similar_paper_ids(paper_id, category, limit=limit + len(seen)):
            if candidate not in seen:
                seen.add(candidate)
                picks.append((candidate, paper_id))
                break
        if len(picks) >= limit:
            break
    return picks


def similar_paper_ids(paper_id: str, category: str, limit: int) -> list[str]:
    try:
        from dailypapers.search import get_backend

        hits = get_backend().similar(paper_id, limit=limit)
        if hits:
            return [h.paper_id for h in hits if h.paper_id != paper_id]
    except Exception as exc:  # the search room is optional here; the digest must still go out
        log.info("similar papers unavailable for %s (%s); using same-category papers", paper_id, exc)
    since = timezone.now() - dt.timedelta(days=settings.DAILYPAPERS_TRENDING_WINDOW_DAYS * 2)
    recent = Paper.objects.filter(daily_entry__date__gte=since.date()).exclude(pk=paper_id).order_by("-upvotes", "-published_at")
    same_field = list(recent.filter(primary_category=category).values_list("pk", flat=True)[:limit]) if category else []
    # Papers without categories (some listings carry none): the recent favourites stand in.
    return same_field or list(recent.values_list("pk", flat=True)[:limit])


def subscribe_url(base_url: str | None = None, **params) -> str:
    return absolute_url(reverse("digests:subscribe"), base_url) + (f"?{urlencode(params)}" if params else "")
