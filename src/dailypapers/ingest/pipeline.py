"""The one ingest pipeline every source feeds: validate -> normalize -> upsert idempotently -> report.

A source is any iterable of :class:`SourceItem`: a location (line number, OAI identifier, …) and
either a raw record in the documented import shape (see README, "Import format") or the reason it
could not even be parsed. The pipeline validates each record into a :class:`PaperRecord`, writes
papers in batches (one transaction per batch, so no half-written paper is ever visible), and counts
what happened. Running the same import twice changes nothing: records whose normalized content
hash matches the stored one are counted as unchanged and not written.

The pipeline's parts: ``records`` (record types and their wire format between worker processes and
the writer), ``normalize`` (validation and normalization), ``report`` (the run report), ``writer``
(the batched upsert) and its row writers, one per database (``orm_writes``, ``sqlite_writes``,
``postgres_writes``). This module is their public face for commands and tools; sources import
``records`` (and ``normalize``) only, so reading a source never loads the writer.
"""

from dailypapers.ingest.normalize import (
    author_key,
    clean_text,
    normalize_record,
    parse_authors,
    parse_categories,
    parse_datetime,
    parse_int,
    parse_organization,
    parse_paper_id,
    parse_url,
    quarantine_excerpt,
    validate_item,
    validate_record,
)
from dailypapers.ingest.records import (
    Checkpoint,
    PaperRecord,
    RecordRejected,
    SourceItem,
    ValidatedItem,
)
from dailypapers.ingest.report import IngestReport
from dailypapers.ingest.writer import IngestPipeline

__all__ = [
    "Checkpoint", "IngestPipeline", "IngestReport", "PaperRecord", "RecordRejected", "SourceItem", "ValidatedItem",
    "author_key", "clean_text", "normalize_record", "parse_authors", "parse_categories", "parse_datetime", "parse_int",
    "parse_organization", "parse_paper_id", "parse_url", "quarantine_excerpt", "validate_item", "validate_record",
]  # fmt: skip
