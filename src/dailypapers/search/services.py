"""Search and similar papers as pages, APIs and feeds show them, always through the configured backend."""

from __future__ import annotations

from dataclasses import dataclass

from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.search import get_backend
from dailypapers.search.backends.base import SearchHit, SearchQuery, SearchResults


@dataclass
class FoundPapers:
    papers: list[Paper]  # in rank order; each has ``.entry`` (DailyEntry or None) and ``.hit``
    results: SearchResults | None


def papers_for_hits(hits: list[SearchHit]) -> list[Paper]:
    """Load the papers of ``hits`` in hit order (ids the database no longer has are dropped)."""
    ids = [h.paper_id for h in hits]
    rows = (
        Paper.objects.filter(pk__in=ids)
        .select_related("organization")
        .with_authors(with_users=True)
    )
    by_id = {p.pk: p for p in rows}
    entries = {
        e.paper_id: e
        for e in DailyEntry.objects.filter(paper_id__in=ids).select_related("organization", "submitted_by")
    }
    papers = []
    for hit in hits:
        paper = by_id.get(hit.paper_id)
        if paper is not None:
            paper.hit = hit
            paper.entry = entries.get(paper.pk)
            papers.append(paper)
    return papers


def find_papers(query: SearchQuery) -> FoundPapers:
    """The papers of one search (a query from :mod:`dailypapers.search.params`), with its results."""
    results = get_backend().search(query)
    return FoundPapers(papers=papers_for_hits(results.hits), results=results)


def similar_papers(paper_id: str, *, limit: int = 10) -> list[Paper]:
    return papers_for_hits(get_backend().similar(paper_id, limit=limit))
