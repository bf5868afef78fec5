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
from dailypapers.discovery.follows import follows_in_period
from dailypapers.discovery.ranking import recommend
from dailypapers.lib.siteurl import site_url
from dailypapers.papers.cards import Card, card
from dailypapers.papers.models import Paper
from dailypapers.papers.periods import Period, parse_period
from dailypapers.papers.ranking import TrendingRanker
from dailypapers.papers.services import period_entries
from dailypapers.papers.text import plain_text

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
    ``request_base_url``), else under the site's address for mail (``lib.siteurl.site_url``)."""
    return (base_url or site_url()).rstrip("/") + path


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
    """One paper of the mail: the web card's data (``papers.cards.card``), the abstract's first
    paragraph, the absolute link, and why it is there."""

    paper: Paper
    card: Card
    abstract: str
    url: str
    because: str = ""  # personal and following sections: why the paper is there (discovery's reason)

    @property
    def authors(self) -> str:
        return self.card.author_line


@dataclass
class Selection:
    """The papers one subscriber gets; equal selections share one rendering."""

    paper_ids: tuple[str, ...]
    personal: tuple[tuple[str, str], ...] = field(default=())  # (paper id, reason)
    following: tuple[tuple[str, str], ...] = field(default=())  # (paper id, the follow it matches)

    @property
    def key(self) -> tuple:
        return (self.paper_ids, self.personal, self.following)


def _query_terms(query: str) -> list[str]:
    return [t for t in re.split(r"\W+", query.lower()) if t]


class IssueContent:
    """Loaded once per issue: the ranked papers, and the selections/renderings derived from them."""

    def __init__(self, issue: DigestIssue, base_url: str | None = None):
        self.issue = issue
        # A web page's own address, or (mail) the site's, looked up once per issue: lib.siteurl.
        self.base_url = base_url or site_url()
        self.top_n = settings.DAILYPAPERS_DIGEST_TOP_N
        self.papers = self._load(issue.ranked_paper_ids)
        self.ranked_ids = [pid for pid in issue.ranked_paper_ids if pid in self.papers]
        self.default = Selection(tuple(self.ranked_ids[: self.top_n]))
        self._rendered: dict[tuple, tuple[str, str]] = {}
        self._query_matches: dict[str, set[str]] = {}

    @staticmethod
    def _load(paper_ids) -> dict[str, Paper]:
        papers = Paper.objects.filter(pk__in=list(paper_ids)).for_listing()  # what a card shows, as on the site
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
        personal, following = (), ()
        if sub.personal and sub.user_id:
            period = digest_period(self.issue.frequency, self.issue.period_key)
            following = tuple(following_picks(sub.user_id, period, exclude=set(main), limit=settings.DAILYPAPERS_DIGEST_PERSONAL_N))
            personal = tuple(personal_picks(sub.user_id, exclude=set(main) | {pid for pid, _ in following},
                                            limit=settings.DAILYPAPERS_DIGEST_PERSONAL_N))
        return Selection(main, personal, following)

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
            card=card(paper, paper.entry),
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
        extra = self._load([pid for pid, _ in (*selection.personal, *selection.following) if pid not in self.papers])
        papers = {**self.papers, **extra}
        context = {
            "issue": self.issue,
            "site_name": settings.SITE_NAME,
            "site_url": absolute_url("/", self.base_url),
            "base_url": absolute_url("", self.base_url),  # before a card's site paths
            "items": [self.item(papers[pid]) for pid in selection.paper_ids if pid in papers],
            "personal": [self.item(papers[pid], because=reason) for pid, reason in selection.personal if pid in papers],
            "following": [self.item(papers[pid], because=reason) for pid, reason in selection.following if pid in papers],
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


def author_line(paper: Paper) -> str:
    """The digest's author line: the card's (``papers.cards``: the first names, then "+N")."""
    return card(paper).author_line


def first_paragraph(text: str, max_chars: int = 600) -> str:
    """The abstract's first paragraph as plain readable text (math as characters), shortened."""
    return Truncator(plain_text(text).split("\n\n", 1)[0]).chars(max_chars)


def personal_picks(user_id: int, *, exclude: set[str], limit: int) -> list[tuple[str, str]]:
    """(paper id, reason) pairs from discovery's per-member model: the same one "for you" ranks
    with (one model, not two). Nothing when the member has given it nothing to go on."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return []
    return [(pick.paper_id, pick.reason) for pick in recommend(user, limit=limit, exclude=exclude)]


def following_picks(user_id: int, period: Period, *, exclude: set[str], limit: int) -> list[tuple[str, str]]:
    """(paper id, reason) pairs: the period's papers matching the member's follows, newest first."""
    found = follows_in_period(user_id, period.start, period.end)
    return [(pid, reason) for pid, reason in found if pid not in exclude][:limit]


def subscribe_url(base_url: str | None = None, **params) -> str:
    return absolute_url(reverse("digests:subscribe"), base_url) + (f"?{urlencode(params)}" if params else "")
