"""Days, ISO weeks and months as browsable periods, with the URLs readers know from Hugging Face."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.urls import reverse

WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
# The days a period may cover. Python's dates end at years 1 and 9999, where a page's previous/next
# links (and a week running into the next year) overflow; arXiv starts in 1991, so these bounds
# refuse nothing real and leave every neighbour of a valid period computable.
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2999, 12, 31)
# The same bounds as patterns, for the API schemas (OpenAPI): a schema-valid key is in range.
YEAR_PATTERN = "(?:19|2[0-9])[0-9]{2}"
DAY_PATTERN = rf"^{YEAR_PATTERN}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$"
WEEK_PATTERN = rf"^{YEAR_PATTERN}-W(?:0[1-9]|[1-4][0-9]|5[0-3])$"
MONTH_PATTERN = rf"^{YEAR_PATTERN}-(?:0[1-9]|1[0-2])$"
YEARS = f"{FIRST_DAY.year}–{LAST_DAY.year}"


class BadPeriod(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    kind: str  # "day" | "week" | "month"
    start: dt.date
    end: dt.date  # inclusive

    @property
    def key(self) -> str:
        if self.kind == "day":
            return self.start.isoformat()
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start:%Y-%m}"

    @property
    def label(self) -> str:
        if self.kind == "day":
            return f"{self.start:%A, %B} {self.start.day}, {self.start.year}"
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"Week {week}, {year} ({self.start:%b} {self.start.day} – {self.end:%b} {self.end.day})"
        return f"{self.start:%B %Y}"

    @property
    def is_weekend(self) -> bool:
        """A Saturday or Sunday: arXiv announces nothing on those days."""
        return self.kind == "day" and self.start.weekday() >= 5

    def url(self) -> str:
        return reverse(f"papers:{self.kind}", args=[self.key])

    def previous(self) -> Period:
        return period_containing(self.kind, self.start - dt.timedelta(days=1))

    def next(self) -> Period:
        return period_containing(self.kind, self.end + dt.timedelta(days=1))

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def period_containing(kind: str, day: dt.date) -> Period:
    if kind == "day":
        return Period("day", day, day)
    if kind == "week":
        start = day - dt.timedelta(days=day.weekday())
        return Period("week", start, start + dt.timedelta(days=6))
    if kind == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return Period("month", day.replace(day=1), day.replace(day=last))
    raise ValueError(kind)


def parse_day(text: str, name: str = "date") -> dt.date:
    """A date parameter (``published_from``, ``to``…): ``YYYY-MM-DD`` exactly (not ``0``, which read
    as a Unix time, nor ``20240101``), a calendar day in FIRST_DAY..LAST_DAY; BadPeriod naming it."""
    try:
        return parse_period("day", str(text).strip()).start
    except BadPeriod:
        raise BadPeriod(f"{name} must be a date as YYYY-MM-DD in the years {YEARS}") from None


def parse_period(kind: str, text: str) -> Period:
    """Parse ``2026-11-22`` / ``2026-W47`` / ``2026-11``; raise BadPeriod with a reason (also for
    periods outside FIRST_DAY..LAST_DAY)."""
    period = _parse_period(kind, text)
    if period.start < FIRST_DAY or period.end > LAST_DAY:
        raise BadPeriod(f"{text[:20]!r} is outside the supported years {FIRST_DAY.year}–{LAST_DAY.year}")
    return period


def _parse_period(kind: str, text: str) -> Period:
    try:
        if kind == "day":
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError
            return period_containing("day", dt.date.fromisoformat(text))
        if kind == "week":
            m = WEEK_RE.match(text)
            if not m:
                raise ValueError
            return period_containing("week", dt.date.fromisocalendar(int(m[1]), int(m[2]), 1))
        if kind == "month":
            m = MONTH_RE.match(text)
            if not m:
                raise ValueError
            return period_containing("month", dt.date(int(m[1]), int(m[2]), 1))
    except (ValueError, OverflowError):  # OverflowError: a week or month running past year 9999
        pass
    formats = {"day": "YYYY-MM-DD", "week": "YYYY-Www", "month": "YYYY-MM"}
    raise BadPeriod(f"{text[:20]!r} is not a valid {kind} ({formats.get(kind, '?')})")
