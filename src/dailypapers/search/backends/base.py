"""The one interface between views/API and any search engine.

Views, the API, feeds and digests call only :func:`dailypapers.search.get_backend` and the methods
below, so the embedded backend (tantivy + ANN index) and the PostgreSQL backend (FTS + pgvector)
are interchangeable through settings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


MODES = ("hybrid", "lexical", "vector")
MAX_LIMIT = 120  # the Hugging Face papers API allows 1..120
MAX_OFFSET = 1000  # deeper pages are not useful to people and get expensive to fuse


@dataclass(frozen=True)
class SearchFilters:
    published_from: dt.date | None = None
    published_to: dt.date | None = None
    category: str = ""
    organization: str = ""  # organization slug
    has_code: bool = False

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

    def __post_init__(self):
        # Backends may rely on these; callers validate user input first (see search.query).
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        if not 1 <= self.limit <= MAX_LIMIT or not 0 <= self.offset <= MAX_OFFSET:
            raise ValueError(f"limit must be 1..{MAX_LIMIT} and offset 0..{MAX_OFFSET}")


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


class SearchBackend:
    """Subclasses implement these; ``dailypapers.search.get_backend()`` returns the configured one."""

    def search(self, query: SearchQuery) -> SearchResults:
        raise NotImplementedError

    def similar(self, paper_id: str, limit: int = 10) -> list[SearchHit]:
        raise NotImplementedError

    def index_papers(self, paper_ids: list[str]) -> None:
        """(Re)index these papers (new or updated); removed ids are dropped."""
        raise NotImplementedError

    def status(self) -> dict:
        """Counts for operators: papers indexed lexically, vectors embedded, model, consistency."""
        raise NotImplementedError

    def close(self) -> None:
        """Release files and memory (tests, rebuilds). The default has nothing to release."""
