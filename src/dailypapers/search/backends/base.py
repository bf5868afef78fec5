"""The one interface between views/API and any search engine.

Views, the API, feeds and digests call only :func:`dailypapers.search.get_backend` and the methods
below, so the embedded backend (tantivy + ANN index) and the PostgreSQL backend (FTS + pgvector)
are interchangeable through settings.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

MODES = ("hybrid", "lexical", "vector")
MAX_LIMIT = 120  # the Hugging Face papers API allows 1..120
MAX_OFFSET = 1000  # deeper pages are not useful to people and get expensive to fuse
# The one cap on query text, for the page, the suggestions box, both APIs and feeds. The Hugging
# Face papers API caps q at 250 characters; pages cut longer input there rather than refusing it,
# since people paste abstracts into search boxes (see ``search.params.SearchParams``).
MAX_QUERY_CHARS = 250

# Keys every backend's ``status()`` has (a backend may add its own, e.g. where its files are).
STATUS_KEYS = (
    "backend",  # a name for people
    "papers",  # papers in the table
    "lexical_indexed",  # papers the keyword index holds
    "lexical_consistent",  # the keyword index agrees with the papers table
    "pending_updates",  # outbox rows not yet indexed
    "embed_backlog",  # papers without a current vector
    "embedding_model",
    "vectors",  # stored vectors of the current model
    "vector_coverage",  # vectors / papers (1.0 with no papers)
    "vector_index",  # the kind of vector index, for people
    "vector_index_size",  # vectors the vector index serves
)

# ``rebuild``'s progress: (stage, done, total); stages are backend-defined labels shown to people.
RebuildProgress = Callable[[str, int, int], None]
# ``embed_pending``'s progress: (done, total).
EmbedProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class SearchFilters:
    published_from: dt.date | None = None
    published_to: dt.date | None = None
    category: str = ""
    organization: str = ""  # organization slug
    has_code: bool = False
    # A word of the first author's name, folded (``search.query.fold``): "Surname et al." queries.
    first_author: str = ""

    @property
    def active(self) -> bool:
        return self != SearchFilters()


@dataclass(frozen=True)
class SearchQuery:
    text: str
    filters: SearchFilters = field(default_factory=SearchFilters)
    limit: int = 20
    offset: int = 0
    mode: str = "hybrid"  # one of MODES
    # Typos corrected from the index's vocabulary (search.spelling); off: the words as typed.
    spelling: bool = True

    def __post_init__(self):
        # Backends may rely on these; callers validate user input first (see search.query).
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        if not 1 <= self.limit <= MAX_LIMIT or not 0 <= self.offset <= MAX_OFFSET:
            raise ValueError(f"limit must be 1..{MAX_LIMIT} and offset 0..{MAX_OFFSET}")
        if len(self.text) > MAX_QUERY_CHARS:
            raise ValueError(f"query text must be at most {MAX_QUERY_CHARS} characters")


@dataclass(frozen=True)
class SearchHit:
    paper_id: str
    score: float
    # Title/abstract fragments with matches wrapped in <mark>…</mark>; already HTML-escaped.
    title_highlight: str = ""
    abstract_highlight: str = ""


@dataclass(frozen=True)
class SearchResults:
    hits: list[SearchHit]
    total: int  # matches found (an estimate when total_exact is False)
    mode: str  # the mode actually used ("lexical" when vectors are not ready)
    notice: str = ""  # e.g. "semantic search covers 12% of papers so far"
    exact_paper_id: str | None = None  # the query was an arXiv id/URL of a known paper
    # False when ``total`` is estimated: hybrid/vector totals, and keyword totals too large to
    # count without giving up top-k pruning.
    total_exact: bool = True
    # Nothing matched well enough to show (hits empty): a nonsense or off-topic query, or no
    # keyword match at all. The page and the API say so instead of listing unrelated papers.
    no_good_match: bool = False
    # The query was an arXiv id the site does not have (yet): the page offers to add it.
    missing_arxiv_id: str | None = None
    # The query with its typos corrected, when it had some: the hits are that query's ("Did you
    # mean …"; searching with ``spelling`` off gives the words as typed).
    did_you_mean: str | None = None


@dataclass(frozen=True)
class MonthlyCounts:
    """Papers and their upvotes by month of first publication, keyed ``"YYYY-MM"`` (months without
    papers are absent), from :meth:`SearchBackend.count_by_month`."""

    papers: dict[str, int]
    upvotes: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.papers.values())


@dataclass(frozen=True)
class PendingCounts:
    """Upkeep work not yet done."""

    outbox: int  # papers queued by ``papers_changed`` and not yet indexed
    embed_backlog: int  # papers without a vector of the current model


class SearchBackend:
    """Searching and index upkeep; ``dailypapers.search.get_backend()`` returns the configured one.

    The papers table is the truth; a backend's index is a cache of it. Every upkeep method is
    idempotent (running it twice leaves what running it once does), commits before it returns (its
    effect is visible to searches in every process), and works on an empty corpus (it finds nothing
    to do and returns zero counts). Callers (``search.tasks``, the ``index`` command, pages and
    APIs) use only these methods, never a backend's own attributes.

    Not an ``abc.ABC``, so that test doubles may implement only what they exercise; the contract
    suite (``tests/search/test_backend_contract.py``) checks that real backends implement it all.
    """

    # -- searching ---------------------------------------------------------------------------
    def search(self, query: SearchQuery) -> SearchResults:
        """The page ``query.offset : offset + limit`` of the matches, best first.

        Honours ``query.filters`` in every mode. An arXiv id/URL of a known paper returns just that
        paper with ``exact_paper_id`` set. Words without matches, or no words, return no hits (never
        an error); ``mode`` says what was used: "lexical" while no vectors exist, with a notice.
        """
        raise NotImplementedError

    def similar(self, paper_id: str, limit: int = 10) -> list[SearchHit]:
        """Up to ``limit`` papers nearest to ``paper_id``'s vector, best first, never the paper
        itself; ``[]`` for an unknown paper or one not embedded yet. Hits carry no highlights."""
        raise NotImplementedError

    def count_by_month(self, text: str, filters: SearchFilters = SearchFilters()) -> MonthlyCounts:
        """How many papers hold every keyword of ``text`` (``search.query.keywords``: in the title,
        the abstract or the author names, stemmed and accent-folded as searches are) and pass
        ``filters``, and the upvotes they have (imported and members'), by month of first
        publication (UTC). ``text`` without words counts every paper passing the filters (a
        category's trend). Papers without a date are not counted. Counted from the index, so a paper
        counts once it is indexed (as it is found by searches). Topic trends (``/trends``) call it."""
        raise NotImplementedError

    # -- index upkeep ------------------------------------------------------------------------
    def index_papers(self, paper_ids: Sequence[str]) -> None:
        """(Re)index these papers: ids in the papers table get current entries, ids no longer there
        are dropped. Vectors of papers whose text changed are dropped; ``embed_pending`` makes new
        ones. Does not touch the outbox (that is ``process_pending_updates``)."""
        raise NotImplementedError

    def remove_papers(self, paper_ids: Sequence[str]) -> None:
        """Drop these papers from every index, their stored vectors included, so that no search and
        no ``similar`` returns them. Unknown ids are ignored. A removed paper that is still in the
        papers table makes the index inconsistent until ``index_papers`` or ``rebuild`` restores
        it (its vector then comes back through ``embed_pending``)."""
        raise NotImplementedError

    def process_pending_updates(self) -> int:
        """Index the papers in the outbox, then clear exactly the rows indexed (a paper queued again
        meanwhile stays queued); returns how many rows were processed, 0 for an empty outbox."""
        raise NotImplementedError

    def embed_pending(
        self, limit: int | None = None, on_progress: EmbedProgress | None = None, batch: int = 256
    ) -> int:
        """Embed up to ``limit`` (all when None) papers of the backlog, newest first, ``batch`` at a
        time, calling ``on_progress(done, total)`` after each batch; returns how many were embedded
        (0 when none are pending). The new vectors serve searches as soon as it returns."""
        raise NotImplementedError

    def pending_counts(self) -> PendingCounts:
        """The outbox and the embedding backlog, counted now."""
        raise NotImplementedError

    def rebuild(self, on_progress: RebuildProgress | None = None) -> dict:
        """Rebuild every index from the papers table and the stored vectors (never re-embedding:
        that is ``embed_pending``), reporting ``on_progress(stage, done, total)``; returns
        :meth:`status`. Leaves the outbox alone: its papers are already in the rebuilt index, and
        indexing them again is harmless."""
        raise NotImplementedError

    def consistent(self) -> bool:
        """Whether the index agrees with the papers table (the check, without repairing). An index
        never built may count as inconsistent, even over an empty table."""
        raise NotImplementedError

    def ensure_consistent(self) -> str:
        """``"ok"`` when :meth:`consistent`, else :meth:`rebuild` and ``"rebuilt"``."""
        if self.consistent():
            return "ok"
        log.warning("search index inconsistent with the papers table: rebuilding")
        self.rebuild()
        return "rebuilt"

    # -- operators ---------------------------------------------------------------------------
    def status(self) -> dict:
        """Counts for operators: at least :data:`STATUS_KEYS`."""
        raise NotImplementedError

    def embedding_device(self) -> str:
        """Where ``embed_pending`` computes vectors ("cpu", "gpu"), for operators."""
        raise NotImplementedError

    def close(self) -> None:
        """Release files and memory (tests, rebuilds). The default has nothing to release."""
