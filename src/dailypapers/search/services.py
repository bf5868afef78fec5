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


def similar_papers(paper_id: str, *, limit: int = 10) -> list[Paper]:
    return papers_for_hits(get_backend().similar(paper_id, limit=limit))
