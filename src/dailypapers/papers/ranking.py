"""Ranking of papers on the daily pages and on the trending page.

Both rules are stated on the "about ranking" page (``templates/papers/about_ranking.html``), which
reads its numbers from the same settings; change them together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from dailypapers.papers.models import DailyEntry


def rank_period_entries(entries: QuerySet[DailyEntry]) -> QuerySet[DailyEntry]:
    """Day / week / month pages: most upvotes first; ties go to the earlier submission."""
    return entries.order_by("-paper__upvotes", "submitted_at", "paper_id")


@dataclass(frozen=True)
class TrendingRanker:
    """Gravity ranking: ``score = upvotes / (age_hours + offset) ** gravity``; withdrawn papers excluded.

    ``age_hours`` is the time since the paper entered a daily page; only entries from the last
    ``window_days`` days compete. A higher gravity makes age count for more.
    """

    gravity: float = 1.5
    offset_hours: float = 2.0
    window_days: int = 14

    @classmethod
    def from_settings(cls) -> TrendingRanker:
        return cls(
            gravity=settings.DAILYPAPERS_TRENDING_GRAVITY,
            offset_hours=settings.DAILYPAPERS_TRENDING_AGE_OFFSET_HOURS,
            window_days=settings.DAILYPAPERS_TRENDING_WINDOW_DAYS,
        )

    def score(self, upvotes: int, age_hours: float) -> float:
        return upvotes / (max(age_hours, 0.0) + self.offset_hours) ** self.gravity

    def rank(self, entries: QuerySet[DailyEntry], now: dt.datetime | None = None) -> list[DailyEntry]:
        """Entries of the window, best first; each gets ``.trending_score`` and ``.age_hours``.

        Without an upvote a paper scores 0: no trend, only filler, so every trending list (the page,
        the APIs, the feed, digests) leaves it out, as ``ranked_ids`` does."""
        now = now or timezone.now()
        since = (now - dt.timedelta(days=self.window_days)).date()
        ranked = []
        # Withdrawn papers stay on their day's page (marked) but no longer compete, here or in digests.
        window = entries.filter(date__gte=since, date__lte=now.date(), paper__withdrawn_at__isnull=True, paper__upvotes__gt=0)
        for entry in window.select_related("paper"):
            entry.age_hours = (now - entry.submitted_at).total_seconds() / 3600
            entry.trending_score = self.score(entry.paper.upvotes, entry.age_hours)
            ranked.append(entry)
        ranked.sort(key=lambda e: (-e.trending_score, -e.paper.upvotes, e.submitted_at, e.paper_id))
        return ranked

    def ranked_ids(self, entries: QuerySet[DailyEntry], now: dt.datetime | None = None) -> list[tuple[int, float, float]]:
        """``(entry id, score, age_hours)`` of the window's entries, best first, as ``rank`` orders
        them, without the entries that have no upvote (score 0 is no trend, only filler). Reads four
        columns instead of building every entry and paper: this is what gets cached per change."""
        now = now or timezone.now()
        since = (now - dt.timedelta(days=self.window_days)).date()
        window = entries.filter(date__gte=since, date__lte=now.date(), paper__withdrawn_at__isnull=True, paper__upvotes__gt=0)
        rows = []
        for pk, paper_id, submitted_at, upvotes in window.values_list("pk", "paper_id", "submitted_at", "paper__upvotes"):
            age_hours = (now - submitted_at).total_seconds() / 3600
            rows.append((-self.score(upvotes, age_hours), -upvotes, submitted_at, paper_id, pk, age_hours))
        rows.sort()
        return [(pk, -neg_score, age_hours) for neg_score, _, _, _, pk, age_hours in rows]
