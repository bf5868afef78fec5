"""The one ingest pipeline every source feeds: validate -> normalize -> upsert idempotently -> report.

A source is any iterable of :class:`SourceItem`: a location (line number, OAI identifier, …) and
either a raw record in the documented import shape (see README, "Import format") or the reason it
could not even be parsed. The pipeline validates each record into a :class:`PaperRecord`, writes
papers in batches (one transaction per batch, so no half-written paper is ever visible), and counts
what happened. Running the same import twice changes nothing: records whose normalized content
hash matches the stored one are counted as unchanged and not written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from typing import Any, NamedTuple

import orjson
from django.db import connection, transaction
from django.utils import timezone

from dailypapers.ingest import bulkload
from dailypapers.ingest.models import IngestRun, QuarantinedRecord
from dailypapers.papers import identifiers
from dailypapers.papers.identifiers import (
    MAX_CATEGORY_CHARS,
    MAX_ORGANIZATION_SLUG_CHARS,
    ORGANIZATION_SLUG_RULE,
    InvalidIdentifier,
    is_category,
    is_organization_slug,
)
from dailypapers.papers.models import (
    Author,
    Authorship,
    DailyEntry,
    Organization,
    Paper,
    normalize_person_name,
)
from dailypapers.papers.signals import papers_bulk_loaded, papers_changed

log = logging.getLogger(__name__)

MAX_TITLE_CHARS = 1_000
MAX_ABSTRACT_CHARS = 20_000
MAX_AUTHORS = 5_000
MAX_AUTHOR_NAME_CHARS = 300
MAX_SHORT_FIELD_CHARS = 2_000
MAX_CATEGORIES = 50
EARLIEST_DATE = dt.date(1980, 1, 1)
QUARANTINE_EXCERPT_CHARS = 2_000
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])  # as _CONTROL_CHARS
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.I)


class RecordRejected(ValueError):
    """A record that cannot be imported; the message says why."""


@dataclass(frozen=True)
class SourceItem:
    """One record from a source; ``deleted`` marks a source saying the paper ``data["id"]`` is gone."""

    location: str
    data: dict[str, Any] | None = None
    error: str | None = None
    raw: str = ""
    deleted: bool = False


@dataclass(frozen=True)
class Checkpoint:
    """Yielded by a source after a unit it can resume from (an OAI-PMH page).

    The pipeline writes every record before it, then calls ``commit()`` inside the same
    transaction, so a source's saved position never runs ahead of (or behind) the data written.
    """

    commit: Callable[[], None]


class PaperRecord(NamedTuple):
    """A validated, normalized paper as the pipeline writes it.

    A named tuple rather than a dataclass: records cross from worker processes to the writer by
    pickle (see ``parallel``), and tuples make that several times cheaper.
    """

    id: str
    title: str
    abstract: str = ""
    version: int = 1
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    primary_category: str = ""
    published_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    doi: str = ""
    journal_ref: str = ""
    comments: str = ""
    license: str = ""
    github_repo: str = ""
    project_page: str = ""
    listed_author_count: int | None = None
    imported_upvotes: int = 0
    organization: tuple[str, str] | None = None  # (slug, display name)
    # Where the paper goes on the daily pages. Not part of the content hash: an import never moves
    # an existing entry, so a different placement is not a change to the paper.
    daily_date: dt.date | None = None
    daily_submitted_at: dt.datetime | None = None

    def content_hash(self) -> str:
        # A flat JSON array in field order (orjson, datetimes in RFC 3339): as stable as asdict() +
        # sort_keys at a fraction of the cost, as this runs once per record of a 3M-paper snapshot.
        return hashlib.sha256(orjson.dumps(self[:_HASHED_FIELDS])).hexdigest()

    def legacy_content_hash(self) -> str:
        """The hash earlier versions stored (json.dumps, default=str): recognized, then replaced.

        Several times the cost of ``content_hash``, so only computed for a stored paper whose hash
        differs (see ``IngestPipeline.write_batch``).
        """
        payload = json.dumps(list(self[:_HASHED_FIELDS]), default=str, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# Every field but the trailing two (daily_date, daily_submitted_at) is hashed, in field order.
_HASHED_FIELDS = PaperRecord._fields.index("daily_date")


class ValidatedItem(NamedTuple):
    """A record that passed validation, with what the writer needs precomputed.

    Produced by :func:`validate_item` (in this process or a worker process, see ``parallel``), so
    the database writer only writes.
    """

    location: str
    record: PaperRecord
    content_hash: str
    author_keys: tuple[str, ...]  # normalized author names, in author order


def _validated_item_from_wire(location, head, published_at, updated_at, tail, content_hash, author_keys):
    published_at = published_at and dt.datetime.fromisoformat(published_at)
    updated_at = updated_at and dt.datetime.fromisoformat(updated_at)
    record = _tuple_new(PaperRecord, (*head, published_at, updated_at, *tail))
    return _tuple_new(ValidatedItem, (location, record, content_hash, author_keys))


def _validated_item_to_wire(item: ValidatedItem):
    # Worker processes send every record of a snapshot to the writer by pickle. Named tuples and
    # aware datetimes pickle as constructor calls; plain tuples and ISO strings cost far less.
    r = item.record
    return _validated_item_from_wire, (
        item.location, r[:_PUBLISHED_AT], r.published_at and r.published_at.isoformat(),
        r.updated_at and r.updated_at.isoformat(), r[_PUBLISHED_AT + 2 :], item.content_hash, item.author_keys,
    )  # fmt: skip


_PUBLISHED_AT = PaperRecord._fields.index("published_at")
assert PaperRecord._fields[_PUBLISHED_AT + 1] == "updated_at"


_tuple_new = tuple.__new__
ValidatedItem.__reduce__ = _validated_item_to_wire


@dataclass
class IngestReport:
    source: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    deleted: int = 0
    rejections: list[tuple[str, str]] = field(default_factory=list)  # first few (location, reason)
    reason_counts: dict[str, int] = field(default_factory=dict)

    MAX_KEPT_REJECTIONS = 50

    @property
    def seen(self) -> int:
        return self.created + self.updated + self.unchanged + self.rejected + self.deleted

    def reject(self, location: str, reason: str) -> None:
        self.rejected += 1
        if len(self.rejections) < self.MAX_KEPT_REJECTIONS:
            self.rejections.append((location, reason))
        kind = reason.split(":", 1)[0]
        self.reason_counts[kind] = self.reason_counts.get(kind, 0) + 1

    def summary(self) -> str:
        return (
            f"{self.source}: {self.seen} records: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.rejected} rejected"
            + (f", {self.deleted} deleted" if self.deleted else "")
        )


# --------------------------------------------------------------------------------------------
# Validation and normalization


def clean_text(value: Any, field_name: str, max_chars: int, *, single_line: bool = False) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordRejected(f"bad {field_name}: expected a string, got {type(value).__name__}")
    if len(value) > max_chars * 4:  # cheap early exit before normalizing huge strings
        raise RecordRejected(f"{field_name} too long: {len(value)} characters (max {max_chars})")
    # Checking before changing anything: this runs for a dozen fields of each of a snapshot's 3M
    # records, nearly all of them clean ASCII. (bytes.translate scans ~5x faster than a regex.)
    try:
        encoded = value.encode()
    except UnicodeEncodeError:  # JSON "\ud800" decodes to a lone surrogate, which no database stores
        raise RecordRejected(f"bad {field_name}: invalid Unicode (a lone surrogate)") from None
    if len(encoded.translate(None, _CONTROL_BYTES)) != len(encoded):
        value = _CONTROL_CHARS.sub("", value)
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    text = " ".join(value.split()) if single_line else value.strip()
    if len(text) > max_chars:
        raise RecordRejected(f"{field_name} too long: {len(text)} characters (max {max_chars})")
    return text


def parse_paper_id(value: Any) -> tuple[str, int | None]:
    """Return (id without version, version or None) for an arXiv or source-prefixed id (see
    ``papers.identifiers``); raises :class:`RecordRejected` with the reason."""
    try:
        return identifiers.parse_paper_id(value)
    except InvalidIdentifier as exc:
        raise RecordRejected(str(exc)) from None


def parse_datetime(value: Any, field_name: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise RecordRejected(f"bad {field_name}: expected a date string")
    text = value.strip()
    try:
        if len(text) == 10:
            parsed = dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), tzinfo=dt.timezone.utc)
        else:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise RecordRejected(f"bad {field_name}: {text[:40]!r} is not a date (YYYY-MM-DD or ISO 8601)") from None
    if parsed.date() < EARLIEST_DATE or parsed > _latest_allowed_date():
        raise RecordRejected(f"impossible {field_name}: {text[:40]}")
    return parsed


def _latest_allowed_date(_cache=[0.0, None]) -> dt.datetime:
    """Two days from now (clock skew, time zones), recomputed at most once a second: it is asked
    for every date of every record."""
    if time.monotonic() - _cache[0] > 1:
        _cache[:] = time.monotonic(), timezone.now() + dt.timedelta(days=2)
    return _cache[1]


def parse_url(value: Any, field_name: str) -> str:
    text = clean_text(value, field_name, 500, single_line=True)
    if text and not _URL.match(text):
        raise RecordRejected(f"bad {field_name}: {text[:80]!r} is not an http(s) URL")
    return text


def parse_authors(value: Any) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if isinstance(value, str):  # "A. One, B. Two and C. Three"
        value = [p for p in re.split(r",\s*|\s+and\s+", value) if p.strip()]
    if not isinstance(value, list):
        raise RecordRejected("bad authors: expected a list of names")
    if len(value) > MAX_AUTHORS:
        raise RecordRejected(f"too many authors: {len(value)} (max {MAX_AUTHORS})")
    names = [_clean_author_name(item) if type(item) is str else _other_author_name(item) for item in value]
    return tuple(filter(None, names))


def _other_author_name(item: Any) -> str:
    if isinstance(item, dict):
        item = item.get("name")
        if type(item) is str:
            return _clean_author_name(item)
    return clean_text(item, "author name", MAX_AUTHOR_NAME_CHARS)


@lru_cache(maxsize=100_000)
def _clean_author_name(name: str) -> str:
    # Names recur across papers (median 4 authors a paper, prolific authors on hundreds), so the
    # same cleaning is memoized; rejections raise and are not cached.
    return clean_text(name, "author name", MAX_AUTHOR_NAME_CHARS, single_line=True)


# Author matching key (the bounded memo keeps a 3M-paper import from normalizing the same names
# millions of times).
author_key = lru_cache(maxsize=100_000)(normalize_person_name)


def parse_categories(value: Any, primary: Any) -> tuple[tuple[str, ...], str]:
    if type(value) is str and (primary is None or type(primary) is str):
        return _parse_category_string(value, primary)
    return _parse_categories(value, primary)


@lru_cache(maxsize=20_000)
def _parse_category_string(value: str, primary: str | None) -> tuple[tuple[str, ...], str]:
    # A snapshot's 3M records share a few thousand category lists: each is checked once.
    # (Rejections raise, and are not cached.)
    return _parse_categories(value, primary)


def _parse_categories(value: Any, primary: Any) -> tuple[tuple[str, ...], str]:
    if value in (None, ""):
        cats: list[str] = []
    elif isinstance(value, str):
        cats = value.split()
    elif isinstance(value, list) and all(isinstance(c, str) for c in value):
        cats = [c.strip() for c in value if c.strip()]
    else:
        raise RecordRejected("bad categories: expected a list or a space-separated string")
    if len(cats) > MAX_CATEGORIES:
        raise RecordRejected(f"too many categories: {len(cats)}")
    for c in cats:
        if not is_category(c):
            raise RecordRejected(f"bad category: {c[:40]!r}")
    cats = list(dict.fromkeys(cats))  # dedupe, keep order
    primary_cat = clean_text(primary, "primary_category", MAX_CATEGORY_CHARS, single_line=True) if primary else ""
    if primary_cat and not is_category(primary_cat):
        raise RecordRejected(f"bad primary_category: {primary_cat!r}")
    if primary_cat and primary_cat not in cats:
        cats.insert(0, primary_cat)
    return tuple(cats), primary_cat or (cats[0] if cats else "")


def parse_organization(value: Any) -> tuple[str, str] | None:
    if value in (None, ""):
        return None
    if isinstance(value, dict):
        slug, name = value.get("slug") or value.get("name"), value.get("name") or value.get("fullname")
    elif isinstance(value, str):
        # Listings show "deepseek-ai DeepSeek": the handle, then the display name.
        slug, _, name = value.strip().partition(" ")
    else:
        raise RecordRejected("bad organization: expected a string or an object")
    slug = clean_text(slug, "organization", MAX_ORGANIZATION_SLUG_CHARS, single_line=True)
    name = clean_text(name, "organization name", 200, single_line=True) or slug
    if not is_organization_slug(slug or ""):  # the slug is in the organization's URLs
        raise RecordRejected(f"bad organization: {str(slug)[:40]!r} is not a slug ({ORGANIZATION_SLUG_RULE})")
    return slug, name


def parse_int(value: Any, field_name: str, *, minimum: int = 0, maximum: int = 10**9) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise RecordRejected(f"bad {field_name}: expected an integer")
    try:
        number = int(value)
    except ValueError:
        raise RecordRejected(f"bad {field_name}: {str(value)[:20]!r} is not an integer") from None
    if not minimum <= number <= maximum:
        raise RecordRejected(f"bad {field_name}: {number} out of range")
    return number


def normalize_record(data: dict[str, Any]) -> PaperRecord:
    """Validate one raw record in the import shape and return its normalized form."""
    if not isinstance(data, dict):
        raise RecordRejected("not a JSON object")
    paper_id, id_version = parse_paper_id(data.get("id"))
    title = clean_text(data.get("title"), "title", MAX_TITLE_CHARS, single_line=True)
    if not title:
        raise RecordRejected("missing title")
    version = parse_int(data.get("version"), "version", minimum=1, maximum=1000) or id_version or 1
    categories, primary = parse_categories(data.get("categories"), data.get("primary_category"))
    links = data.get("links") or {}
    if not isinstance(links, dict):
        raise RecordRejected("bad links: expected an object")
    daily = parse_datetime(data.get("daily_date"), "daily_date")
    daily_submitted_at = parse_datetime(data.get("daily_submitted_at"), "daily_submitted_at")
    return PaperRecord(
        id=paper_id,
        title=title,
        abstract=clean_text(data.get("abstract"), "abstract", MAX_ABSTRACT_CHARS),
        version=version,
        authors=parse_authors(data.get("authors")),
        categories=categories,
        primary_category=primary,
        published_at=parse_datetime(data.get("published"), "published"),
        updated_at=parse_datetime(data.get("updated"), "updated"),
        doi=clean_text(data.get("doi"), "doi", 200, single_line=True),
        journal_ref=clean_text(data.get("journal_ref"), "journal_ref", MAX_SHORT_FIELD_CHARS, single_line=True),
        comments=clean_text(data.get("comments"), "comments", MAX_SHORT_FIELD_CHARS, single_line=True),
        license=clean_text(data.get("license"), "license", 200, single_line=True),
        github_repo=parse_url(data.get("github_repo") or links.get("code"), "github_repo"),
        project_page=parse_url(data.get("project_page") or links.get("project_page"), "project_page"),
        listed_author_count=parse_int(data.get("num_authors"), "num_authors", maximum=MAX_AUTHORS),
        imported_upvotes=parse_int(data.get("upvotes"), "upvotes") or 0,
        organization=parse_organization(data.get("organization")),
        daily_date=daily.date() if daily else None,
        daily_submitted_at=daily_submitted_at if daily else None,
    )


def validate_item(item: SourceItem) -> ValidatedItem | SourceItem:
    """A record item -> its :class:`ValidatedItem`, or a copy of it carrying the rejection reason.

    Needs no database, so it can run in worker processes; the rejected copy keeps the excerpt the
    quarantine stores, not the parsed data.
    """
    if item.error:
        return item
    return validate_record(item.location, item.data, item.raw)


def validate_record(location: str, data: Any, raw: str = "") -> ValidatedItem | SourceItem:
    """:func:`validate_item` for a record not wrapped in a :class:`SourceItem` (worker hot path)."""
    try:
        record = normalize_record(data)
    except RecordRejected as exc:
        return SourceItem(location=location, error=str(exc), raw=quarantine_excerpt(raw, data))
    return ValidatedItem(location, record, record.content_hash(), tuple(map(author_key, record.authors)))


def quarantine_excerpt(raw: str, data: Any) -> str:
    """The start of a rejected record as a database can store it (a lone surrogate becomes "?")."""
    excerpt = raw or (json.dumps(data, ensure_ascii=False, default=str) if data else "")
    excerpt = excerpt[:QUARANTINE_EXCERPT_CHARS]
    return excerpt if excerpt.isascii() else excerpt.encode("utf-8", "replace").decode("utf-8")


# --------------------------------------------------------------------------------------------
# Writing

PAPER_FIELDS = [
    "source", "title", "abstract", "published_at", "updated_at", "version", "categories",
    "primary_category", "doi", "journal_ref", "comments", "license", "github_repo", "project_page",
    "listed_author_count", "imported_upvotes", "organization", "content_hash",
]  # fmt: skip


_PAPER_INSERT_COLUMNS = [
    "id", "source", "title", "abstract", "published_at", "updated_at", "version", "categories",
    "primary_category", "doi", "journal_ref", "comments", "license", "github_repo", "project_page",
    "listed_author_count", "organization_id", "imported_upvotes", "member_upvotes", "num_comments",
    "content_hash", "created_at", "modified_at",
]  # fmt: skip


class IngestPipeline:
    """Feeds records into the database in batches and keeps the report.

    Use as ``IngestPipeline("jsonl").run(items)``; ``on_progress`` is called after each batch with
    the report so far, so commands can show progress. Items are :class:`SourceItem` (validated
    here), :class:`ValidatedItem` (validated already, e.g. by worker processes, see ``parallel``)
    or :class:`Checkpoint`. ``bulk_load=True`` (the snapshot bootstrap) relaxes SQLite's
    durability and grows its cache for the length of the run and, into an empty database, builds
    the secondary indexes at the end instead of row by row (see ``ingest.bulkload``);
    ``on_index(name, None)`` and ``on_index(name, seconds)`` then report each one's build.
    """

    def __init__(
        self,
        source: str,
        *,
        detail: str = "",
        batch_size: int = 1000,
        on_progress: Callable[[IngestReport], None] | None = None,
        bulk_load: bool = False,
        on_index: Callable[[str, float | None], None] | None = None,
    ):
        self.source = source
        self.detail = detail
        self.batch_size = batch_size
        self.on_progress = on_progress
        self.bulk_load = bulk_load
        self.on_index = on_index
        self.report = IngestReport(source)
        self._orgs: dict[str, Organization] = {}
        self._quarantine: list[QuarantinedRecord] = []
        self._deletions: list[str] = []
        # New papers and authorships go in with executemany on SQLite: the ORM's per-object work
        # (model instances, per-value preparation) was ~2/3 of a snapshot import's time.
        self._fast_sql = connection.vendor == "sqlite"
        self._author_ids: dict[str, int] = {}  # normalized name -> Author id, bounded (see below)
        # True while _author_ids holds every author up to _authors_max_id (SQLite path): a name
        # missing from it is then known to be new without asking the database.
        self._authors_complete: bool | None = None  # None: not decided yet
        self._authors_max_id = 0
        # During a bootstrap papers_changed is not sent per batch: papers_bulk_loaded is, once,
        # at the end (see _bulk_load_mode). Counts the papers written meanwhile.
        self._bulk_loaded: int | None = None
        self.run_row: IngestRun | None = None

    # public --------------------------------------------------------------------------------
    def run(self, items: Iterable[SourceItem | ValidatedItem | Checkpoint]) -> IngestReport:
        self.run_row = IngestRun.objects.create(source=self.source, detail=self.detail[:500])
        try:
            with self._bulk_load_mode():
                batch: list[ValidatedItem] = []
                for entry in self._validated(items):
                    if isinstance(entry, Checkpoint):
                        with transaction.atomic():
                            self._write(batch)
                            entry.commit()
                        batch = []
                        continue
                    batch.append(entry)
                    if len(batch) >= self.batch_size:
                        self._write(batch)
                        batch = []
                self._write(batch)
                self._flush_quarantine()
        except BaseException as exc:
            self._finish("failed", error=repr(exc))
            raise
        self._finish("finished")
        if self.on_progress:
            self.on_progress(self.report)
        return self.report

    def _write(self, batch: list[ValidatedItem]) -> None:
        """Write one batch (deletions included) with its quarantined records, then report progress."""
        if batch or self._deletions or self._quarantine:
            self._delete_pending()
            if batch:
                self.write_batch(batch)
            self._flush_quarantine()
            if self.on_progress:
                self.on_progress(self.report)

    def _delete_pending(self) -> None:
        ids = list(dict.fromkeys(self._deletions))
        self._deletions = []
        if not ids:
            return
        with transaction.atomic():
            present = list(Paper.objects.filter(pk__in=ids).values_list("pk", flat=True))
            Paper.objects.filter(pk__in=present).delete()
            if present:  # inside the transaction: receivers' outbox rows commit with the change
                papers_changed.send(sender=IngestPipeline, paper_ids=present)
        # Counted per record, deleted or already absent: re-running a harvest changes nothing.
        self.report.deleted += len(ids)

    def write_batch(self, items: list[ValidatedItem]) -> None:
        """Upsert one batch atomically. Later duplicates of an id in the batch win."""
        by_id: dict[str, ValidatedItem] = {}
        for item in items:
            if item.record.id in by_id:
                self.report.unchanged += 1  # counted once; the later copy replaces it
            by_id[item.record.id] = item
        with transaction.atomic():
            existing = self._stored_hashes(list(by_id))
            new = [pid for pid in by_id if pid not in existing]
            changed = [pid for pid in by_id if pid in existing and existing[pid] != by_id[pid].content_hash]
            if changed:
                changed = self._upgrade_legacy_hashes(changed, existing, by_id)
            if new and self._fast_sql:
                self._insert_papers_sql([by_id[pid] for pid in new])
            elif new:
                Paper.objects.bulk_create([self._paper(by_id[pid]) for pid in new])
            if changed:
                papers = [self._paper(by_id[pid]) for pid in changed]
                now = timezone.now()
                for paper in papers:  # bulk_update does not apply auto_now: exports --since rely on it
                    paper.modified_at = now
                Paper.objects.bulk_update(papers, [*PAPER_FIELDS, "modified_at"])
                Authorship.objects.filter(paper_id__in=changed).delete()
            self._write_authorships([by_id[pid] for pid in new + changed])
            self._write_daily_entries([item.record for item in by_id.values() if item.record.daily_date])
            if self._bulk_loaded is not None:
                self._bulk_loaded += len(new) + len(changed)
            elif new or changed:  # inside the transaction: receivers' outbox rows commit with the papers
                papers_changed.send(sender=IngestPipeline, paper_ids=new + changed)
        self.report.unchanged += len(by_id) - len(new) - len(changed)
        self.report.created += len(new)
        self.report.updated += len(changed)

    # internals -----------------------------------------------------------------------------
    def _validated(
        self, items: Iterable[SourceItem | ValidatedItem | Checkpoint]
    ) -> Iterator[ValidatedItem | Checkpoint]:
        for item in items:
            if isinstance(item, (ValidatedItem, Checkpoint)):
                yield item
                continue
            if item.deleted:
                try:
                    self._deletions.append(parse_paper_id((item.data or {}).get("id"))[0])
                except RecordRejected as exc:
                    self._reject(item, str(exc))
                continue
            checked = validate_item(item)
            if isinstance(checked, ValidatedItem):
                yield checked
            else:
                self._reject(checked, checked.error)

    @contextmanager
    def _bulk_load_mode(self):
        """SQLite bulk-load settings for a ``bulk_load`` run, and for a bootstrap deferred indexes
        (see ``ingest.bulkload``) and one ``papers_bulk_loaded`` instead of a ``papers_changed`` per
        batch; any other run first builds indexes a cut-short bootstrap left."""
        with ExitStack() as stack:
            if self.bulk_load:
                stack.enter_context(bulkload.fewer_gc_passes())
            if self._fast_sql and not connection.in_atomic_block:  # pragmas cannot change in a transaction
                if self.bulk_load:
                    stack.enter_context(bulkload.pragmas(bulkload.BULK_LOAD_PRAGMAS))
                if self.bulk_load and bulkload.should_defer_indexes():
                    # Sent however the run ends, after the indexes are built: the batches
                    # committed before a failure are written too.
                    self._bulk_loaded = 0
                    stack.callback(self._announce_bulk_load)
                    stack.enter_context(bulkload.deferred_indexes(self.on_index))
                else:
                    bulkload.restore_deferred_indexes(self.on_index)
            yield

    def _announce_bulk_load(self) -> None:
        count, self._bulk_loaded = self._bulk_loaded, None
        if count:  # robust: a receiver's failure (logged) must not fail, or mask the outcome of, the load
            papers_bulk_loaded.send_robust(sender=IngestPipeline, count=count)

    def _reject(self, item: SourceItem, reason: str) -> None:
        self.report.reject(item.location, reason)
        self._quarantine.append(
            QuarantinedRecord(
                run=self.run_row,
                source=self.source,
                location=item.location[:200],
                reason=reason[:2000],
                raw_excerpt=quarantine_excerpt(item.raw, item.data),
            )
        )
        if len(self._quarantine) >= self.batch_size:
            self._flush_quarantine()

    def _flush_quarantine(self) -> None:
        if self._quarantine:
            QuarantinedRecord.objects.bulk_create(self._quarantine)
            self._quarantine = []

    def _finish(self, status: str, error: str = "") -> None:
        r = self.report
        IngestRun.objects.filter(pk=self.run_row.pk).update(
            finished_at=timezone.now(),
            status=status,
            error=error[:5000],
            created=r.created,
            updated=r.updated,
            unchanged=r.unchanged,
            rejected=r.rejected,
            deleted=r.deleted,
        )

    def _organization(self, org: tuple[str, str] | None) -> Organization | None:
        if org is None:
            return None
        slug, name = org
        if slug not in self._orgs:
            self._orgs[slug], _ = Organization.objects.get_or_create(slug=slug, defaults={"name": name})
        return self._orgs[slug]

    def _paper(self, item: ValidatedItem) -> Paper:
        r = item.record
        return Paper(
            id=r.id,
            source=self.source,
            title=r.title,
            abstract=r.abstract,
            published_at=r.published_at,
            updated_at=r.updated_at,
            version=r.version,
            categories=list(r.categories),
            primary_category=r.primary_category,
            doi=r.doi,
            journal_ref=r.journal_ref,
            comments=r.comments,
            license=r.license,
            github_repo=r.github_repo,
            project_page=r.project_page,
            listed_author_count=r.listed_author_count,
            imported_upvotes=r.imported_upvotes,
            organization=self._organization(r.organization),
            content_hash=item.content_hash,
        )

    # ~143 bytes an entry (measured): at most ~360 MB, which holds the distinct authors of ~3M
    # synthetic arXiv-like papers (910k at 1M papers). Past it the older half is forgotten and
    # names not in the cache are looked up in the database.
    MAX_CACHED_AUTHORS = 2_500_000

    def _write_authorships(self, items: list[ValidatedItem]) -> None:
        names: dict[str, str] = {}  # normalized -> as written (the last spelling in the batch)
        for item in items:
            names.update(zip(item.author_keys, item.record.authors))
        if not names:
            return
        known = self._author_ids
        if self._fast_sql:
            self._refresh_author_cache()
        if len(known) + len(names) > self.MAX_CACHED_AUTHORS:
            # Dicts keep insertion order: the names seen first go, recent and recurring ones stay.
            for key in list(islice(known, max(len(known) // 2, len(known) + len(names) - self.MAX_CACHED_AUTHORS))):
                del known[key]
            self._authors_complete = False
        missing = [n for n in names if n not in known]
        if missing and not self._authors_complete:
            if self._bulk_loaded is not None:  # a bootstrap: the lookup's index may be deferred
                bulkload.restore_deferred_indexes(self.on_index, table=Author._meta.db_table)
            self._lookup_authors(missing, known)
            missing = [n for n in missing if n not in known]
        if missing:
            if self._fast_sql:
                table = Author._meta.db_table
                with connection.cursor() as cursor:
                    # The transaction holds SQLite's write lock: the ids after this one are ours to give.
                    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
                    first = cursor.fetchone()[0] + 1
                ids = range(first, first + len(missing))
                _sqlite_executemany(
                    f"INSERT INTO {table} (id, name, normalized_name) VALUES (?, ?, ?)",
                    [(pk, names[n], n) for pk, n in zip(ids, missing)],
                )
                known.update(zip(missing, ids))
                # Every author up to here is now known (the refresh above read the others' ones).
                self._authors_max_id = ids[-1]
            else:
                Author.objects.bulk_create([Author(name=names[n], normalized_name=n) for n in missing])
                self._lookup_authors(missing, known)
        table = Authorship._meta.db_table
        if self._fast_sql:
            # One statement per paper, SQLite expanding its author ids (json_each: position = index):
            # a fifth cheaper than one per authorship, of which a snapshot has ~6 a paper.
            rows = [(item.record.id, orjson.dumps([known[key] for key in item.author_keys]).decode()) for item in items]
            _sqlite_executemany(f"INSERT INTO {table} (paper_id, author_id, position) SELECT ?, value, key FROM json_each(?)", rows)
        else:
            Authorship.objects.bulk_create(
                [Authorship(paper_id=item.record.id, author_id=known[key], position=pos)
                 for item in items for pos, key in enumerate(item.author_keys)]
            )  # fmt: skip

    def _refresh_author_cache(self) -> None:
        """SQLite path: on first use, cache every author if they fit; then pick up authors others added."""
        if self._authors_complete is None:
            self._authors_complete = Author.objects.count() <= self.MAX_CACHED_AUTHORS
        if self._authors_complete:
            with connection.cursor() as cursor:
                self._read_authors_after(cursor, self._authors_max_id)

    def _read_authors_after(self, cursor, after_id: int) -> None:
        cursor.execute(f"SELECT id, normalized_name FROM {Author._meta.db_table} WHERE id > %s ORDER BY id", [after_id])
        known = self._author_ids
        for pk, norm in cursor.fetchall():
            known.setdefault(norm, pk)  # the first author with a name wins, as in _lookup_authors
            after_id = pk
        self._authors_max_id = max(self._authors_max_id, after_id)

    def _lookup_authors(self, normalized: list[str], known: dict[str, int]) -> None:
        """Add the ids of existing authors with these normalized names to ``known`` (first one wins)."""
        table = Author._meta.db_table
        for i in range(0, len(normalized), 500):  # stay under SQLite's variable limit
            chunk = normalized[i : i + 500]
            if self._fast_sql:
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT id, normalized_name FROM {table} WHERE normalized_name IN ({', '.join(['%s'] * len(chunk))})"
                        " ORDER BY id",
                        chunk,
                    )
                    found = cursor.fetchall()
            else:
                found = Author.objects.filter(normalized_name__in=chunk).order_by("pk").values_list("pk", "normalized_name")
            for pk, norm in found:
                known.setdefault(norm, pk)

    def _upgrade_legacy_hashes(
        self, changed: list[str], stored: dict[str, str], by_id: dict[str, ValidatedItem]
    ) -> list[str]:
        """Of papers whose stored hash differs, those stored with the legacy hash of this very record
        are unchanged: their hash is brought up to date (nothing else is written). The rest are
        returned, changed."""
        legacy = [pid for pid in changed if stored[pid] == by_id[pid].record.legacy_content_hash()]
        if legacy:
            Paper.objects.bulk_update(
                [Paper(pk=pid, content_hash=by_id[pid].content_hash) for pid in legacy], ["content_hash"], batch_size=500
            )
            legacy_ids = set(legacy)
            changed = [pid for pid in changed if pid not in legacy_ids]
        return changed

    def _stored_hashes(self, ids: list[str]) -> dict[str, str]:
        """{id: content_hash} of the papers among ``ids`` already stored."""
        if not self._fast_sql:
            return dict(Paper.objects.filter(pk__in=ids).values_list("pk", "content_hash"))
        table, found = Paper._meta.db_table, {}
        with connection.cursor() as cursor:
            for i in range(0, len(ids), 5000):  # well under SQLite's variable limit (32,766 since 3.32)
                chunk = ids[i : i + 5000]
                cursor.execute(f"SELECT id, content_hash FROM {table} WHERE id IN ({', '.join(['%s'] * len(chunk))})", chunk)
                found.update(cursor.fetchall())
        return found

    def _insert_papers_sql(self, items: list[ValidatedItem]) -> None:
        """INSERT new papers with executemany; same values the ORM path writes (see ``_paper``)."""
        adapt = _sqlite_datetime if connection.timezone_name == "UTC" else connection.ops.adapt_datetimefield_value
        now = adapt(timezone.now())
        rows = []
        for item in items:
            r = item.record
            org = self._organization(r.organization)
            rows.append((
                r.id, self.source, r.title, r.abstract, adapt(r.published_at), adapt(r.updated_at), r.version,
                # json.dumps' output: categories are plain ASCII (is_category), nothing to escape.
                '["' + '", "'.join(r.categories) + '"]' if r.categories else "[]", r.primary_category, r.doi, r.journal_ref,
                r.comments, r.license, r.github_repo, r.project_page, r.listed_author_count,
                org.pk if org else None, r.imported_upvotes, 0, 0, item.content_hash, now, now,
            ))  # fmt: skip
        columns = _PAPER_INSERT_COLUMNS
        _sqlite_executemany(
            f"INSERT INTO {Paper._meta.db_table} ({', '.join(columns)}) VALUES ({', '.join(['?'] * len(columns))})", rows
        )

    def _write_daily_entries(self, records: list[PaperRecord]) -> None:
        # An existing entry (a member may have submitted the paper) is never moved by an import.
        if not records:
            return
        have = set(DailyEntry.objects.filter(paper_id__in=[r.id for r in records]).values_list("paper_id", flat=True))
        DailyEntry.objects.bulk_create(
            [
                DailyEntry(
                    paper_id=r.id,
                    date=r.daily_date,
                    submitted_at=r.daily_submitted_at
                    or dt.datetime.combine(r.daily_date, dt.time(), tzinfo=dt.timezone.utc),
                    organization=self._organization(r.organization),
                )
                for r in records
                if r.id not in have
            ]
        )


def _sqlite_executemany(sql: str, rows: list[tuple]) -> None:
    """executemany on the sqlite3 connection itself, inside the current Django transaction.

    Django's cursor wrapper costs ~3 µs a row on top of SQLite's own ~5 (it re-iterates and
    converts every parameter row): a third of the authorship inserts of a snapshot import.
    """
    connection.ensure_connection()
    connection.connection.executemany(sql, rows)


def _sqlite_datetime(value: dt.datetime | None) -> str | None:
    """What Django's SQLite backend stores for an aware datetime on a UTC connection, minus its overhead."""
    if value is None:
        return None
    if value.tzinfo is not dt.timezone.utc:  # nearly every record's dates are UTC already
        value = value.astimezone(dt.timezone.utc)
    return value.isoformat(" ")[:-6]  # "YYYY-MM-DD HH:MM:SS[.ffffff]" without "+00:00"
