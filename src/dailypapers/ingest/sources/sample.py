"""The bundled demo dataset: real papers from public Daily Papers listings.

The listings carry no arXiv ids or author names, so each paper gets a stable id derived from its
title (``sample-<hash>``) and keeps the author count it was listed with. To give the demo a today,
a yesterday, a week and a month to browse, the papers are placed on the daily pages of the 30 days
up to ``today``, newest publications on the most recent days, with their listed upvotes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from importlib import resources

from django.utils import timezone

from dailypapers.ingest.records import SourceItem
from dailypapers.papers.identifiers import sample_paper_id

DEMO_DAYS = 30


def sample_rows() -> list[dict]:
    text = resources.files("dailypapers").joinpath("data/sample_papers.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def sample_items(today: dt.date | None = None, days: int = DEMO_DAYS) -> Iterator[SourceItem]:
    today = today or timezone.localdate()
    rows = sample_rows()
    # Newest first; undated papers after dated ones, in file order (sort is stable).
    order = sorted(range(len(rows)), key=lambda i: rows[i].get("published") or "", reverse=True)
    for rank, i in enumerate(order):
        row = rows[i]
        day = today - dt.timedelta(days=rank * days // len(rows))
        # Spread submission times over the morning so ties on upvotes have a stable order.
        submitted = dt.datetime.combine(day, dt.time(6, 0), tzinfo=dt.timezone.utc) + dt.timedelta(minutes=7 * (rank % 60))
        record = {
            "id": sample_paper_id(row.get("title") or f"row {i}"),
            "title": row.get("title"),
            "abstract": row.get("abstract"),
            "published": row.get("published"),
            "num_authors": row.get("num_authors"),
            "upvotes": row.get("upvotes") or 0,
            "organization": row.get("organization"),
            "daily_date": day.isoformat(),
            "daily_submitted_at": submitted.isoformat(),
        }
        yield SourceItem(location=f"sample row {i + 1}", data=record)
