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
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db.models import Q, QuerySet

from dailypapers.papers.models import Authorship, Paper

CHUNK_SIZE = 2000
PARQUET_ROW_GROUP = 10_000


def export_queryset(since: dt.date | None = None) -> QuerySet[Paper]:
    """Papers to export. ``since``: only papers published, updated, changed on the site, or placed
    on a daily page on or after that day."""
    papers = Paper.objects.all()
    if since is not None:
        start = dt.datetime.combine(since, dt.time(), tzinfo=dt.timezone.utc)
        papers = papers.filter(
            Q(published_at__gte=start) | Q(updated_at__gte=start) | Q(modified_at__gte=start) | Q(daily_entry__date__gte=since)
        )
    return papers


# Read as plain rows, joins included: building model instances for papers, authorships and
# authors costs most of an export's time (measured: bench/api_export.py).
ROW_FIELDS = [
    "id", "version", "title", "abstract", "listed_author_count", "categories", "primary_category",
    "published_at", "updated_at", "doi", "journal_ref", "comments", "license", "report_no", "withdrawn_at", "github_repo",
    "project_page", "upvotes", "member_upvotes", "num_comments", "source",
    "organization__slug", "organization__name",
    "daily_entry__date", "daily_entry__submitted_at", "daily_entry__submitted_by__username",
    "daily_entry__organization__slug", "daily_entry__organization__name",
]  # fmt: skip


def iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def paper_record(row: dict, authors: list[str]) -> dict:
    """One paper row in the import shape. ``upvotes`` is the total shown on the site: on re-import
    it becomes the paper's imported upvotes (members' individual votes are not exported)."""
    if row["organization__slug"]:
        organization = {"slug": row["organization__slug"], "name": row["organization__name"]}
    elif row["daily_entry__organization__slug"]:
        organization = {"slug": row["daily_entry__organization__slug"], "name": row["daily_entry__organization__name"]}
    else:
        organization = None
    day = row["daily_entry__date"]
    return {
        "id": row["id"],
        "version": row["version"],
        "title": row["title"],
        "abstract": row["abstract"],
        "authors": authors,
        "num_authors": row["listed_author_count"],
        "categories": list(row["categories"] or []),
        "primary_category": row["primary_category"],
        "published": iso(row["published_at"]),
        "updated": iso(row["updated_at"]),
        "doi": row["doi"],
        "journal_ref": row["journal_ref"],
        "comments": row["comments"],
        "license": row["license"],
        "report_no": row["report_no"],
        "withdrawn": iso(row["withdrawn_at"]),
        "github_repo": row["github_repo"],
        "project_page": row["project_page"],
        "upvotes": row["upvotes"],
        "member_upvotes": row["member_upvotes"],
        "num_comments": row["num_comments"],
        "organization": organization,
        "daily_date": day.isoformat() if day else None,
        "daily_submitted_at": iso(row["daily_entry__submitted_at"]) if day else None,
        "daily_submitted_by": row["daily_entry__submitted_by__username"] if day else None,
        "source": row["source"],
    }


def iter_records(papers: QuerySet[Paper], chunk_size: int = CHUNK_SIZE) -> Iterator[dict]:
    """Records in id order, read in keyset-paginated chunks (bounded memory, no long read cursor)."""
    last_id = None
    while True:
        chunk_qs = papers.order_by("pk")
        if last_id is not None:
            chunk_qs = chunk_qs.filter(pk__gt=last_id)
        rows = list(chunk_qs.values(*ROW_FIELDS)[:chunk_size])
        if not rows:
            return
        authors: dict[str, list[str]] = defaultdict(list)
        ids = [r["id"] for r in rows]
        for start in range(0, len(ids), 500):  # stay under SQLite's variable limit
            names = (
                Authorship.objects.filter(paper_id__in=ids[start : start + 500])
                .order_by("paper_id", "position")
                .values_list("paper_id", "name", "author__name")
            )
            for paper_id, name, author_name in names:  # the paper's own spelling (Authorship.shown_name)
                authors[paper_id].append(name or author_name)
        for row in rows:
            yield paper_record(row, authors.get(row["id"], []))
        last_id = rows[-1]["id"]


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
            ("report_no", pa.string()),
            ("withdrawn", timestamp),
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
    for key in ("published", "updated", "withdrawn", "daily_submitted_at"):
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
