"""The writer's row operations through the ORM: the reference every database's fast path must equal.

The writer (``writer.IngestPipeline``) decides *what* to write; a row writer writes it. There is one
per database, each with the same operations, chosen once per run (``writer.row_writer_for``):
this one works on every database, ``sqlite_writes`` (executemany) and ``postgres_writes`` (COPY)
override it where the ORM's per-object work was the import's cost. What they store must equal what
this one stores: ``tests/ingest/test_fast_write_path.py`` compares them on both databases.
"""

from __future__ import annotations

from collections.abc import Callable

from dailypapers.ingest.records import RECORD_FIELDS, ValidatedItem
from dailypapers.papers.models import Author, Authorship, Organization, Paper

OrganizationOf = Callable[[tuple[str, str] | None], Organization | None]


class OrmWrites:
    """Writes through the ORM. ``organization`` gives the row of a record's (slug, name)."""

    vendor: str | None = None  # the database a subclass's SQL is written for (None: any)

    def __init__(self, source: str, organization: OrganizationOf):
        self.source = source
        self.organization = organization

    # the five operations ------------------------------------------------------------------
    def stored_hashes(self, ids: list[str]) -> dict[str, str]:
        """{id: content_hash} of the papers among ``ids`` already stored."""
        return dict(Paper.objects.filter(pk__in=ids).values_list("pk", "content_hash"))

    def insert_papers(self, items: list[ValidatedItem]) -> None:
        Paper.objects.bulk_create([self.paper(item) for item in items])

    def lookup_authors(self, normalized: list[str], known: dict[str, int]) -> None:
        """Add the ids of existing authors with these normalized names to ``known`` (first one wins)."""
        for i in range(0, len(normalized), 500):  # stay under SQLite's variable limit
            found = Author.objects.filter(normalized_name__in=normalized[i : i + 500]).order_by("pk")
            for pk, norm in found.values_list("pk", "normalized_name"):
                known.setdefault(norm, pk)

    def insert_authors(self, names: dict[str, str], missing: list[str], known: dict[str, int]) -> None:
        """New authors for the normalized names ``missing`` (``names`` maps them to a spelling); their
        ids go into ``known``."""
        Author.objects.bulk_create([Author(name=names[n], normalized_name=n) for n in missing])
        self.lookup_authors(missing, known)

    def insert_authorships(self, items: list[ValidatedItem], known: dict[str, int]) -> None:
        # The author is the identity (one per normalized name); the authorship keeps this paper's spelling.
        Authorship.objects.bulk_create(
            [Authorship(paper_id=item.record.id, author_id=known[key], position=pos, name=name)
             for item in items for pos, (key, name) in enumerate(zip(item.author_keys, item.record.authors))]
        )  # fmt: skip

    # the author cache ---------------------------------------------------------------------
    # A row writer that can tell when the writer's cache holds every stored author (SQLite's, which
    # holds the write lock for the whole transaction) overrides these; elsewhere a name missing from
    # the cache is always looked up.
    def knows_every_author(self) -> bool:
        return False

    def refresh_authors(self, known: dict[str, int], limit: int) -> None:
        """Bring ``known`` up to date with authors others added, where this writer can."""

    def authors_forgotten(self) -> None:
        """The writer dropped names from its cache: it no longer holds every author."""

    # ---------------------------------------------------------------------------------------
    def paper(self, item: ValidatedItem) -> Paper:
        """The Paper a validated record is stored as."""
        r = item.record
        values = {name: getattr(r, name) for name in RECORD_FIELDS}
        values["categories"] = list(r.categories)
        return Paper(
            id=r.id,
            source=self.source,
            organization=self.organization(r.organization),
            content_hash=item.content_hash,
            **values,
        )
