"""Bulk export of papers with their authors, upvotes and daily entries.

JSON lines are in the ingest pipeline's import shape (README, "Import format"), so an export
re-imports with ``dailypapers ingest jsonl``. Parquet has the same fields as typed columns (the
organization split into ``organization_slug`` / ``organization_name``), written in row groups so
memory stays bounded whatever the corpus size.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db.models import Prefetch, Q, QuerySet

from dailypapers.papers.models import Authorship, DailyEntry, Paper

CHUNK_SIZE = 2000
PARQUET_ROW_GROUP = 10_000


def export_queryset(since: dt.date | None = None) -> QuerySet[Paper]:
    """Papers to export, in id order. ``since``: only papers published, updated, changed on the
    site, or placed on a daily page on or after that day."""
    papers = Paper.objects.all()
    if since is not None:
        start = dt.datetime.combine(since, dt.time(), tzinfo=dt.timezone.utc)
        papers = papers.filter(
            Q(published_at__gte=start) | Q(updated_at__gte=start) | Q(modified_at__gte=start) | Q(daily_entry__date__gte=since)
        )
    return (
        papers.order_by("pk")
        .select_related("organization", "daily_entry__organization", "daily_entry__submitted_by")
        .prefetch_related(Prefetch("authorships", queryset=Authorship.objects.select_related("author").order_by("position")))
    )


def iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def paper_record(paper: Paper) -> dict:
    """One paper in the import shape. ``upvotes`` is the total shown on the site: on re-import it
    becomes the paper's imported upvotes (members' individual votes are not exported)."""
    try:
        entry: DailyEntry | None = paper.daily_entry
    except DailyEntry.DoesNotExist:
        entry = None
    organization = paper.organization or (entry.organization if entry else None)
    return {
        "id": paper.id,
        "version": paper.version,
        "title": paper.title,
        "abstract": paper.abstract,
        "authors": [a.author.name for a in paper.authorships.all()],
        "num_authors": paper.listed_author_count,
        "categories": list(paper.categories or []),
        "primary_category": paper.primary_category,
        "published": iso(paper.published_at),
        "updated": iso(paper.updated_at),
        "doi": paper.doi,
        "journal_ref": paper.journal_ref,
        "comments": paper.comments,
        "license": paper.license,
        "github_repo": paper.github_repo,
        "project_page": paper.project_page,
        "upvotes": paper.upvotes,
        "member_upvotes": paper.member_upvotes,
        "num_comments": paper.num_comments,
        "organization": {"slug": organization.slug, "name": organization.name} if organization else None,
        "daily_date": entry.date.isoformat() if entry else None,
        "daily_submitted_at": iso(entry.submitted_at) if entry else None,
        "daily_submitted_by": entry.submitted_by.username if entry and entry.submitted_by_id else None,
        "source": paper.source,
    }


def iter_records(papers: QuerySet[Paper]) -> Iterator[dict]:
    for paper in papers.iterator(chunk_size=CHUNK_SIZE):
        yield paper_record(paper)


@contextmanager
def atomic_output(path: Path, mode: str = "wb"):
    """A file that appears at ``path`` only once written completely (no half exports on failure)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_jsonl(records: Iterable[dict], fh, on_record: Callable[[int], None] | None = None) -> int:
    """Write records to a binary file object, one JSON object per line; return the count."""
    count = 0
    for record in records:
        fh.write(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")
        count += 1
        if on_record and count % 500 == 0:
            on_record(count)
    return count


def export_jsonl(records: Iterable[dict], path: Path, on_record=None) -> int:
    with atomic_output(path) as tmp:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(tmp, "wb") as fh:
            return write_jsonl(records, fh, on_record)


def parquet_schema():
    import pyarrow as pa

    timestamp = pa.timestamp("us", tz="UTC")
    return pa.schema(
        [
            ("id", pa.string()),
            ("version", pa.int32()),
            ("title", pa.string()),
            ("abstract", pa.string()),
            ("authors", pa.list_(pa.string())),
            ("num_authors", pa.int32()),
            ("categories", pa.list_(pa.string())),
            ("primary_category", pa.string()),
            ("published", timestamp),
            ("updated", timestamp),
            ("doi", pa.string()),
            ("journal_ref", pa.string()),
            ("comments", pa.string()),
            ("license", pa.string()),
            ("github_repo", pa.string()),
            ("project_page", pa.string()),
            ("upvotes", pa.int64()),
            ("member_upvotes", pa.int64()),
            ("num_comments", pa.int64()),
            ("organization_slug", pa.string()),
            ("organization_name", pa.string()),
            ("daily_date", pa.date32()),
            ("daily_submitted_at", timestamp),
            ("daily_submitted_by", pa.string()),
            ("source", pa.string()),
        ]
    )


def parquet_row(record: dict) -> dict:
    row = dict(record)
    org = row.pop("organization")
    row["organization_slug"] = org["slug"] if org else None
    row["organization_name"] = org["name"] if org else None
    for key in ("published", "updated", "daily_submitted_at"):
        row[key] = dt.datetime.fromisoformat(row[key].replace("Z", "+00:00")) if row[key] else None
    row["daily_date"] = dt.date.fromisoformat(row["daily_date"]) if row["daily_date"] else None
    return row


def export_parquet(records: Iterable[dict], path: Path, on_record=None, row_group_size: int = PARQUET_ROW_GROUP) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema()
    count = 0
    with atomic_output(path) as tmp:
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            rows: list[dict] = []
            for record in records:
                rows.append(parquet_row(record))
                count += 1
                if len(rows) >= row_group_size:
                    writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                    rows = []
                if on_record and count % 500 == 0:
                    on_record(count)
            if rows or count == 0:
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
    return count
