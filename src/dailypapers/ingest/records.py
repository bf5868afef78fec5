"""Record types of the ingest pipeline, and their wire format between worker processes and the writer.

:class:`SourceItem` is what sources yield (a raw record in the import shape, or why it could not be
parsed), :class:`Checkpoint` a point a source can resume from, :class:`PaperRecord` a validated,
normalized paper and :class:`ValidatedItem` one ready for the writer (see ``normalize``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson

# The Paper columns an import writes, declared once: the ORM path builds its objects (``_paper``) and
# its updates from it (``writer``), the fast paths their rows (``insert_rows.PAPER_INSERT_COLUMNS``).
RECORD_FIELDS = [  # copied from the PaperRecord field of the same name
    "title", "abstract", "published_at", "updated_at", "version", "categories", "primary_category", "doi",
    "journal_ref", "comments", "license", "report_no", "withdrawn_at", "github_repo", "project_page",
    "listed_author_count", "imported_upvotes",
]  # fmt: skip
PAPER_FIELDS = ["source", *RECORD_FIELDS, "organization", "content_hash"]


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
    version: int | None = 1  # None: the source does not know it (a new paper gets 1, a stored one keeps its own)
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    primary_category: str = ""
    published_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    doi: str = ""
    journal_ref: str = ""
    comments: str = ""
    license: str = ""
    report_no: str = ""
    withdrawn_at: dt.datetime | None = None
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
        return hashlib.sha256(orjson.dumps(self._hashed())).hexdigest()

    def _hashed(self) -> tuple:
        # Fields added later count only when set, so a paper without them keeps the hash it was
        # stored with (a re-import after an upgrade finds it unchanged instead of rewriting it).
        if self.report_no or self.withdrawn_at:
            return self[:_HASHED_FIELDS]
        return _EARLIER_FIELDS(self)

    def legacy_content_hash(self) -> str:
        """The hash earlier versions stored (json.dumps, default=str): recognized, then replaced.

        Several times the cost of ``content_hash``, so only computed for a stored paper whose hash
        differs (see ``IngestPipeline.write_batch``).
        """
        fields = list(_EARLIER_FIELDS(self))
        payload = json.dumps(fields, default=str, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# Every field but the trailing two (daily_date, daily_submitted_at) is hashed, in field order.
_HASHED_FIELDS = PaperRecord._fields.index("daily_date")
# Positions of fields added after hashes were first stored (see PaperRecord._hashed).
_LATER_FIELDS = frozenset(PaperRecord._fields.index(name) for name in ("report_no", "withdrawn_at"))
# The hashed fields without those, picked in one C call (a generator over the fields cost more than
# the hash itself).
_EARLIER_FIELDS = operator.itemgetter(*(i for i in range(_HASHED_FIELDS) if i not in _LATER_FIELDS))


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
