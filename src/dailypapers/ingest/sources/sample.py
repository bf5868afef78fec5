"""The bundled demo dataset: real arXiv records and real papers from public Daily Papers listings.

Two files (origins in ``data/README.md``):

- ``demo_arxiv_records.jsonl.gz``: ~3,000 real arXiv records of the machine-learning categories,
  with ordered authors, categories, comments and the code links their authors wrote;
- ``sample_papers.jsonl``: papers as listed on public Daily Papers pages (title, abstract, author
  count, date, upvotes, organization; no arXiv ids or author names).

A listing whose title matches a record by title is that record, with the listing's upvotes and
organization; the other listings keep a stable id derived from their title (``sample-<hash>``) and
their author count. To give the demo a today, a yesterday, a week and a month to browse, each
file's papers are spread over the daily pages of the 30 days up to ``today``, newest on the most
recent days; in the demo, the listings no record matched sit on the days before the last two weeks.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from collections.abc import Iterator
from importlib import resources

from django.utils import timezone

from dailypapers.ingest.records import SourceItem
from dailypapers.papers.identifiers import sample_paper_id

DEMO_DAYS = 30


def _data_file(name: str):
    return resources.files("dailypapers").joinpath(f"data/{name}")


def sample_rows() -> list[dict]:
    text = _data_file("sample_papers.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def demo_records() -> list[dict]:
    with _data_file("demo_arxiv_records.jsonl.gz").open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def title_key(title: str | None) -> str:
    """A title as the match between a listing and a record sees it: lower case, words only (the
    listings and arXiv differ in punctuation and spacing, never in words)."""
    return re.sub(r"[^a-z0-9]+", " ", (title or "").lower()).strip()


def _placement(rank: int, count: int, today: dt.date, days: int) -> tuple[str, str]:
    day = today - dt.timedelta(days=rank * days // max(count, 1))
    # Spread submission times over the morning so ties on upvotes have a stable order.
    submitted = dt.datetime.combine(day, dt.time(6, 0), tzinfo=dt.timezone.utc) + dt.timedelta(minutes=7 * (rank % 60))
    return day.isoformat(), submitted.isoformat()


def sample_items(today: dt.date | None = None, days: int = DEMO_DAYS) -> Iterator[SourceItem]:
    """The listings alone (``dailypapers ingest sample``): the corpus the search evaluation's
    judgments were made on."""
    return _items(today, days, records=[])


def demo_items(today: dt.date | None = None, days: int = DEMO_DAYS) -> Iterator[SourceItem]:
    """The listings merged with the real records, and the other records (``dailypapers ingest
    demo``, what ``serve`` loads into an empty database)."""
    return _items(today, days, records=demo_records())


# In the demo, the listings no record matched (no arXiv id, no author names: what the listings
# showed) go on the pages before the last two weeks, so the first pages a visitor opens (today,
# this week) show real papers with their authors; the search evaluation's ``ingest sample`` spreads
# them over all 30 days as before.
DEMO_RECENT_DAYS = 14


def _items(today: dt.date | None, days: int, records: list[dict]) -> Iterator[SourceItem]:
    today = today or timezone.localdate()
    rows = sample_rows()
    by_title = {title_key(r["title"]): r for r in records}
    merged: set[str] = set()
    # Newest first; undated papers after dated ones, in file order (sort is stable).
    order = sorted(range(len(rows)), key=lambda i: rows[i].get("published") or "", reverse=True)
    unmatched = {i: n for n, i in enumerate(i for i in order if title_key(rows[i].get("title")) not in by_title)}
    older = bool(records) and days > DEMO_RECENT_DAYS
    for rank, i in enumerate(order):
        row = rows[i]
        if older and i in unmatched:
            daily_date, submitted = _placement(unmatched[i], len(unmatched), today - dt.timedelta(days=DEMO_RECENT_DAYS),
                                               days - DEMO_RECENT_DAYS)
        else:
            daily_date, submitted = _placement(rank, len(rows), today, days)
        listed = {
            "upvotes": row.get("upvotes") or 0,
            "organization": row.get("organization"),
            "daily_date": daily_date,
            "daily_submitted_at": submitted,
        }
        real = by_title.get(title_key(row.get("title")))
        if real is not None:
            merged.add(real["id"])
            record = {**real, **listed}
            if row.get("published"):
                record["published"] = row["published"]  # the listing's date, more precise than the bound
            yield SourceItem(location=f"sample row {i + 1} = arXiv {real['id']}", data=record)
            continue
        yield SourceItem(location=f"sample row {i + 1}", data={
            "id": sample_paper_id(row.get("title") or f"row {i}"),
            "title": row.get("title"),
            "abstract": row.get("abstract"),
            "published": row.get("published"),
            "num_authors": row.get("num_authors"),
            **listed,
        })
    rest = [r for r in records if r["id"] not in merged]
    rest.sort(key=lambda r: r["id"], reverse=True)  # newest arXiv ids on the most recent days
    for rank, record in enumerate(rest):
        daily_date, submitted = _placement(rank, len(rest), today, days)
        yield SourceItem(location=f"arXiv record {record['id']}",
                         data={**record, "daily_date": daily_date, "daily_submitted_at": submitted})
