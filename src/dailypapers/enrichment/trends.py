"""Topic trends: papers and upvotes per month for up to three topics or arXiv categories, compared.

Counted by the search backend (``SearchBackend.count_by_month``: the index's own counting, so the
same words find the same papers as a search does), shown as a server-rendered SVG chart on
``/trends``, downloadable as CSV and served by the native API (``/api/v1/trends``). A topic is
words (every keyword in the title, the abstract or the author names); a category topic is an arXiv
category (``category=cs.CL`` or ``q=category:cs.CL``): every paper listed in it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

from dailypapers.papers.identifiers import is_category
from dailypapers.search import SearchFilters, get_backend
from dailypapers.search.query import query_terms

MAX_TOPICS = 3
MAX_TOPIC_CHARS = 100
CATEGORY_PREFIX = "category:"
# Line styles of the series, by position: colour and dash, so that they differ without colour too.
STYLES = (("#1f5fbf", ""), ("#c2410c", "6 3"), ("#15803d", "2 3"))


class BadTrends(ValueError):
    """A parameter the trends cannot be computed from (the message says which and why)."""


@dataclass(frozen=True)
class Topic:
    kind: str  # "words" or "category"
    value: str  # the words as typed (spaces collapsed), or the category

    @property
    def label(self) -> str:
        return self.value if self.kind == "words" else f"category {self.value}"

    @property
    def query_value(self) -> str:
        """The form ``parse_topics`` reads back (links that keep the comparison)."""
        return self.value if self.kind == "words" else CATEGORY_PREFIX + self.value


@dataclass(frozen=True)
class Series:
    topic: Topic
    papers: list[int]  # per month of ``Trends.months``
    upvotes: list[int]

    @property
    def total_papers(self) -> int:
        return sum(self.papers)

    @property
    def total_upvotes(self) -> int:
        return sum(self.upvotes)


@dataclass(frozen=True)
class Trends:
    months: list[str]  # "YYYY-MM", consecutive, from the first month any series has a paper to this month
    series: list[Series]

    @property
    def empty(self) -> bool:
        return not self.months


def _split(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def parse_topics(q: list[str], categories: list[str] = ()) -> list[Topic]:
    """The topics of ``q`` (repeated and/or comma-separated; ``category:cs.CL`` names a category) and
    ``categories``, in order, repeats dropped; raises :class:`BadTrends`."""
    topics: list[Topic] = []
    for value in _split(list(q)):
        if len(value) > MAX_TOPIC_CHARS:
            raise BadTrends(f"a topic is at most {MAX_TOPIC_CHARS} characters")
        if value.lower().startswith(CATEGORY_PREFIX):
            topics.append(_category(value[len(CATEGORY_PREFIX) :].strip()))
        elif not query_terms(value):
            raise BadTrends(f"topic {value[:40]!r} has no words to count")
        else:
            topics.append(Topic("words", " ".join(value.split())))
    topics += [_category(value) for value in _split(list(categories))]
    topics = list(dict.fromkeys(topics))
    if len(topics) > MAX_TOPICS:
        raise BadTrends(f"at most {MAX_TOPICS} topics can be compared (got {len(topics)})")
    return topics


def _category(value: str) -> Topic:
    if not is_category(value):
        raise BadTrends(f"{value[:40]!r} is not an arXiv category (e.g. cs.CL)")
    return Topic("category", value)


def compute(topics: list[Topic], *, today: dt.date | None = None) -> Trends:
    """Each topic's monthly papers and upvotes from the search backend, on one month axis."""
    backend = get_backend()
    counted = []
    for topic in topics:
        if topic.kind == "category":
            counted.append(backend.count_by_month("", SearchFilters(category=topic.value)))
        else:
            counted.append(backend.count_by_month(topic.value))
    months_seen = sorted({m for c in counted for m in c.papers})
    if not months_seen:
        return Trends(months=[], series=[Series(t, [], []) for t in topics])
    today = today or dt.datetime.now(dt.UTC).date()
    months = month_range(months_seen[0], max(months_seen[-1], today.strftime("%Y-%m")))
    return Trends(
        months=months,
        series=[Series(t, [c.papers.get(m, 0) for m in months], [c.upvotes.get(m, 0) for m in months]) for t, c in zip(topics, counted)],
    )


def month_range(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    months = []
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def yearly(trends: Trends) -> list[tuple[str, list[tuple[int, int]]]]:
    """``(year, [(papers, upvotes) per series])`` rows: the chart's table for screen readers."""
    rows: dict[str, list[list[int]]] = {}
    for i, month in enumerate(trends.months):
        row = rows.setdefault(month[:4], [[0, 0] for _ in trends.series])
        for j, series in enumerate(trends.series):
            row[j][0] += series.papers[i]
            row[j][1] += series.upvotes[i]
    return [(year, [tuple(cell) for cell in row]) for year, row in rows.items()]


def as_json(trends: Trends) -> dict:
    return {
        "months": trends.months,
        "series": [
            {
                "topic": s.topic.value, "kind": s.topic.kind, "label": s.topic.label,
                "papers": s.papers, "upvotes": s.upvotes, "total_papers": s.total_papers, "total_upvotes": s.total_upvotes,
            }
            for s in trends.series
        ],
    }  # fmt: skip


def _csv_cell(text: str) -> str:
    """A label as a spreadsheet will not run it as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def as_csv(trends: Trends) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["month", *(_csv_cell(f"{s.topic.label} {what}") for s in trends.series for what in ("papers", "upvotes"))])
    for i, month in enumerate(trends.months):
        writer.writerow([month, *(v for s in trends.series for v in (s.papers[i], s.upvotes[i]))])
    return out.getvalue()


# -- the chart -------------------------------------------------------------------------------
WIDTH, PANEL_HEIGHT = 900, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 34, 38


def _nice_ceiling(value: int) -> tuple[int, int]:
    """(axis maximum, tick step): 1/2/5 x 10^k steps, about four ticks."""
    if value <= 0:
        return 1, 1
    raw = value / 4
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(1, int(step))
    return step * math.ceil(value / step), step


def _panel(trends: Trends, values: str, title: str, y_label: str, top: int) -> list[str]:
    n = len(trends.months)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, PANEL_HEIGHT - TOP - BOTTOM
    peak = max((v for s in trends.series for v in getattr(s, values)), default=0)
    y_max, step = _nice_ceiling(peak)

    def x(i: int) -> float:
        return LEFT + (inner_w * i / (n - 1) if n > 1 else inner_w / 2)

    def y(v: int) -> float:
        return top + TOP + inner_h - inner_h * v / y_max

    parts = [f'<g class="panel" data-values="{values}">', f'<text x="{LEFT}" y="{top + 20}" class="panel-title">{escape(title)}</text>']
    for tick in range(0, y_max + 1, step):
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" class="grid"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" class="tick">{tick:,}</text>')
    years = sorted({m[:4] for m in trends.months})
    every = max(1, math.ceil(len(years) / 12))
    for i, month in enumerate(trends.months):
        if month.endswith("-01") or i == 0:
            year = month[:4]
            if years.index(year) % every == 0:
                parts.append(f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{top + TOP + inner_h}" y2="{top + TOP + inner_h + 4}" class="axis"/>')
                parts.append(f'<text x="{x(i):.1f}" y="{top + TOP + inner_h + 16}" text-anchor="middle" class="tick">{year}</text>')
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{top + TOP + inner_h}" y2="{top + TOP + inner_h}" class="axis"/>')
    parts.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{top + TOP}" y2="{top + TOP + inner_h}" class="axis"/>')
    parts.append(
        f'<text transform="translate(14 {top + TOP + inner_h / 2:.1f}) rotate(-90)" text-anchor="middle" class="axis-label">{escape(y_label)}</text>'
    )
    parts.append(
        f'<text x="{LEFT + inner_w / 2:.1f}" y="{top + PANEL_HEIGHT - 4}" text-anchor="middle" class="axis-label">month of first publication</text>'
    )
    for j, series in enumerate(trends.series):
        colour, dash = STYLES[j % len(STYLES)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(getattr(series, values)))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        topic = escape(series.topic.value, {'"': "&quot;"})
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.6"{dash_attr} data-topic="{topic}">'
            f"<title>{escape(series.topic.label)}: {getattr(series, 'total_' + values):,} {values}</title></polyline>"
        )
    parts.append("</g>")
    return parts


def svg(trends: Trends) -> str:
    """Two panels (papers, upvotes per month) sharing the month axis, a legend; ``<title>`` and
    ``<desc>`` name what is drawn (``role="img"``), and the page adds the yearly table."""
    labels = ", ".join(s.topic.label for s in trends.series)
    height = 2 * PANEL_HEIGHT + 30
    desc = "; ".join(
        f"{s.topic.label}: {s.total_papers:,} papers and {s.total_upvotes:,} upvotes from {trends.months[0]} to {trends.months[-1]}"
        for s in trends.series
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img"'
        ' aria-labelledby="trends-title trends-desc" class="trends-chart" data-testid="trends-chart">',
        f'<title id="trends-title">Papers and upvotes per month: {escape(labels)}</title>',
        f'<desc id="trends-desc">{escape(desc)}.</desc>',
        "<style>.grid{stroke:#e5e7eb}.axis{stroke:#6b7280}.tick{font:11px sans-serif;fill:#374151}"
        ".axis-label{font:12px sans-serif;fill:#374151}.panel-title{font:bold 13px sans-serif;fill:#111827}"
        ".legend{font:12px sans-serif;fill:#111827}</style>",
    ]
    parts.append(f'<rect width="{WIDTH}" height="{height}" fill="#fff"/>')  # drawn on white in dark mode too
    parts += _panel(trends, "papers", "Papers per month", "papers", 0)
    parts += _panel(trends, "upvotes", "Upvotes per month (of the papers first published that month)", "upvotes", PANEL_HEIGHT)
    x = LEFT
    for j, series in enumerate(trends.series):
        colour, dash = STYLES[j % len(STYLES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        y = 2 * PANEL_HEIGHT + 16
        parts.append(f'<line x1="{x}" x2="{x + 28}" y1="{y - 4}" y2="{y - 4}" stroke="{colour}" stroke-width="2"{dash_attr}/>')
        parts.append(f'<text x="{x + 34}" y="{y}" class="legend">{escape(series.topic.label)}</text>')
        x += 48 + 8 * min(len(series.topic.label), 40)
    parts.append("</svg>")
    return "".join(parts)
