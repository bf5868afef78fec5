"""Search and similar papers as pages, APIs and feeds show them, always through the configured backend."""

from __future__ import annotations

from dataclasses import dataclass

from dailypapers.papers.models import Paper
from dailypapers.search import get_backend
from dailypapers.search.backends.base import SearchHit, SearchQuery, SearchResults


@dataclass
class FoundPapers:
    papers: list[Paper]  # in rank order; each with its entry loaded (``paper.entry``) and ``.hit``
    results: SearchResults | None


def papers_for_hits(hits: list[SearchHit]) -> list[Paper]:
    """Load the papers of ``hits`` in hit order (ids the database no longer has are dropped)."""
    ids = [h.paper_id for h in hits]
    by_id = {p.pk: p for p in Paper.objects.filter(pk__in=ids).with_entry().with_authors(with_users=True)}
    papers = []
    for hit in hits:
        paper = by_id.get(hit.paper_id)
        if paper is not None:
            paper.hit = hit
            papers.append(paper)
    return papers


def find_papers(query: SearchQuery) -> FoundPapers:
    """The papers of one search (a query from :mod:`dailypapers.search.params`), with its results."""
    results = get_backend().search(query)
    return FoundPapers(papers=papers_for_hits(results.hits), results=results)


# How similar papers may be ordered: nearest first, newest first, most upvoted first.
SIMILAR_SORTS = ("relevance", "recency", "popularity")
# Recency and popularity reorder this many nearest papers (or ``limit``, when more): "the newest
# of the papers most like this one", not the newest papers with some likeness.
SIMILAR_POOL = 30


def similar_papers(paper_id: str, *, limit: int = 10, sort: str = "relevance") -> list[Paper]:
    """The ``limit`` papers nearest to ``paper_id`` (each with ``.hit``), ordered by ``sort`` (one of
    :data:`SIMILAR_SORTS`): relevance is the backend's order; recency (first-version date, undated
    last) and popularity (upvotes) reorder the :data:`SIMILAR_POOL` nearest, ties keeping the
    nearest first."""
    if sort not in SIMILAR_SORTS:
        raise ValueError(f"sort must be one of {', '.join(SIMILAR_SORTS)}")
    pool = limit if sort == "relevance" else max(limit, SIMILAR_POOL)
    papers = papers_for_hits(get_backend().similar(paper_id, limit=pool))
    if sort == "recency":
        papers.sort(key=lambda p: p.published_at.timestamp() if p.published_at else float("-inf"), reverse=True)
    elif sort == "popularity":
        papers.sort(key=lambda p: p.upvotes, reverse=True)  # (a stable sort: ties stay nearest first)
    return papers[:limit]
