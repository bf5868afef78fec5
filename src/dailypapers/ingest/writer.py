"""The writer: :class:`IngestPipeline` upserts validated records in batches and keeps the report.

It decides what to write; one row writer per database writes it, chosen once (``row_writer_for``):
``orm_writes`` on any database, ``sqlite_writes`` (executemany) and ``postgres_writes`` (COPY),
which store the same values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from itertools import islice

from django.db import connection, transaction
from django.utils import timezone

from dailypapers.ingest import bulkload
from dailypapers.ingest.models import IngestRun, QuarantinedRecord
from dailypapers.ingest.normalize import parse_paper_id, quarantine_excerpt, validate_item
from dailypapers.ingest.orm_writes import OrmWrites
from dailypapers.ingest.postgres_writes import PostgresWrites
from dailypapers.ingest.records import (
    PAPER_FIELDS,
    Checkpoint,
    PaperRecord,
    RecordRejected,
    SourceItem,
    ValidatedItem,
)
from dailypapers.ingest.report import IngestReport
from dailypapers.ingest.sqlite_writes import SqliteWrites
from dailypapers.papers.models import (
    Author,
    Authorship,
    DailyEntry,
    Organization,
    Paper,
)
from dailypapers.papers.signals import papers_bulk_loaded, papers_changed


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
        row_writer: type[OrmWrites] | None = None,
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
        # New papers and authorships go in with executemany on SQLite (the ORM's per-object work was
        # ~2/3 of a snapshot import's time) and with COPY on PostgreSQL (the ORM path ran at ~600
        # records/s there); ``row_writer`` picks one (tests compare each with the ORM's).
        self.rows: OrmWrites = (row_writer or row_writer_for(connection.vendor))(source, self._organization)
        self._author_ids: dict[str, int] = {}  # normalized name -> Author id, bounded (see below)
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
            earlier = by_id.get(item.record.id)
            if earlier is not None:
                self.report.unchanged += 1  # counted once; the later copy replaces it, merged with it
                e = earlier.record
                item = _with_record(item, merged_with_stored(item.record, e.version, e.published_at, e.updated_at, e.withdrawn_at))
            by_id[item.record.id] = item
        with transaction.atomic():
            existing = self.rows.stored_hashes(list(by_id))
            new = [pid for pid in by_id if pid not in existing]
            for pid in new:
                if by_id[pid].record.version is None:  # a source that does not know the version: a new paper is v1
                    by_id[pid] = _with_record(by_id[pid], by_id[pid].record._replace(version=1))
            changed = [pid for pid in by_id if pid in existing and existing[pid] != by_id[pid].content_hash]
            if changed:
                changed = self._merge_with_stored(changed, existing, by_id)
            if changed:
                changed = self._upgrade_legacy_hashes(changed, existing, by_id)
            if new:
                self.rows.insert_papers([by_id[pid] for pid in new])
            if changed:
                papers = [self.rows.paper(by_id[pid]) for pid in changed]
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
            if self.rows.vendor == "sqlite" and not connection.in_atomic_block:  # pragmas cannot change in a transaction
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
        self.rows.refresh_authors(known, self.MAX_CACHED_AUTHORS)
        if len(known) + len(names) > self.MAX_CACHED_AUTHORS:
            # Dicts keep insertion order: the names seen first go, recent and recurring ones stay.
            for key in list(islice(known, max(len(known) // 2, len(known) + len(names) - self.MAX_CACHED_AUTHORS))):
                del known[key]
            self.rows.authors_forgotten()
        missing = [n for n in names if n not in known]
        if missing and not self.rows.knows_every_author():
            if self._bulk_loaded is not None:  # a bootstrap: the lookup's index may be deferred
                bulkload.restore_deferred_indexes(self.on_index, table=Author._meta.db_table)
            self.rows.lookup_authors(missing, known)
            missing = [n for n in missing if n not in known]
        if missing:
            self.rows.insert_authors(names, missing, known)
        self.rows.insert_authorships(items, known)

    def _merge_with_stored(self, changed: list[str], stored: dict[str, str], by_id: dict[str, ValidatedItem]) -> list[str]:
        """Replace each record in ``by_id`` by what is written over its stored paper (``merged_with_stored``);
        return those still changed: a record that differs from the stored paper only in what the merge
        keeps (a lower or unknown version, a later date) leaves it unchanged."""
        facts = Paper.objects.filter(pk__in=changed).values_list(
            "pk", "version", "published_at", "updated_at", "withdrawn_at", "github_repo", "project_page"
        )
        for pid, version, published_at, updated_at, withdrawn_at, github_repo, project_page in facts:
            item = by_id[pid]
            record = merged_with_stored(item.record, version, published_at, updated_at, withdrawn_at)
            # A record without a code repository or project page says nothing about them: the shown
            # ones (the record's earlier value, or what enrichment found) stay until enrichment,
            # which every import queues, picks again. A record's own value is written: enrichment
            # reads it from the column as the source's link.
            if not record.github_repo and github_repo or not record.project_page and project_page:
                record = record._replace(github_repo=record.github_repo or github_repo, project_page=record.project_page or project_page)
            by_id[pid] = _with_record(item, record)
        return [pid for pid in changed if stored[pid] != by_id[pid].content_hash]

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



def row_writer_for(vendor: str) -> type[OrmWrites]:
    """The row writer for a database (``connection.vendor``): its fast path, else the ORM's."""
    return {"sqlite": SqliteWrites, "postgresql": PostgresWrites}.get(vendor, OrmWrites)


def merged_with_stored(
    record: PaperRecord,
    version: int | None,
    published_at: dt.datetime | None,
    updated_at: dt.datetime | None,
    withdrawn_at: dt.datetime | None,
) -> PaperRecord:
    """``record`` as written over a paper stored with these values (or an earlier record of it).

    Sources differ in what they know (issue 12): the ``arXiv`` format has no version list and gives
    the current version's date as <created>; an old snapshot lags behind a harvest. So a record never
    lowers the version (None: unknown, keep), never moves the first-version date or the last update
    earlier/later (see ``earliest_published``), and leaves a withdrawal it does not know about: a
    withdrawn record sets it, a record of a newer version than the stored one that is not withdrawn
    clears it (a withdrawal is itself the last version, so anything newer replaced it).
    """
    merged_version = version if record.version is None else record.version if version is None else max(record.version, version)
    withdrawn = withdrawn_at
    newer = record.version is not None and version is not None and record.version > version
    if record.withdrawn_at is not None and (newer or record.version is None or record.version == version):
        withdrawn = withdrawn_at or record.withdrawn_at
    elif record.withdrawn_at is None and newer:
        withdrawn = None
    latest_update = record.updated_at if updated_at is None or (record.updated_at and record.updated_at > updated_at) else updated_at
    merged = record._replace(
        version=merged_version,
        published_at=earliest_published(published_at, record.published_at),
        updated_at=latest_update,
        withdrawn_at=withdrawn,
    )
    return record if merged == record else merged


def earliest_published(stored: dt.datetime | None, incoming: dt.datetime | None) -> dt.datetime | None:
    """The first-version date: the earlier of the two, keeping the time of day where one source has it.

    A date-only value (midnight UTC, e.g. the ``arXiv`` format's <created>) on the same day as a
    value with a time of day (arXivRaw, the snapshot) is that same moment, known less precisely.
    """
    if incoming is None or stored is None:
        return stored or incoming
    stored_utc, incoming_utc = stored.astimezone(dt.timezone.utc), incoming.astimezone(dt.timezone.utc)
    if stored_utc.date() == incoming_utc.date():
        if incoming_utc.time() == dt.time():
            return stored
        if stored_utc.time() == dt.time():
            return incoming
    return min(stored, incoming)


def _with_record(item: ValidatedItem, record: PaperRecord) -> ValidatedItem:
    if record is item.record:
        return item
    return ValidatedItem(item.location, record, record.content_hash(), item.author_keys)
