"""Single-paper lookups on the arXiv API (Atom), through the ``arxiv`` package.

Used by ``dailypapers ingest arxiv-id ID`` and by member submissions. The API's base URL is
``settings.DAILYPAPERS_ARXIV_API_URL`` so tests (and mirrors) can point it elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import arxiv
import requests
from django.conf import settings

from dailypapers.ingest.pipeline import SourceItem
from dailypapers.papers.identifiers import NotAnArxivId, parse_arxiv_reference


class ArxivLookupError(Exception):
    """A lookup that could not be answered; the message is fit to show to a person."""


class PaperNotFound(ArxivLookupError):
    pass


class ArxivUnavailable(ArxivLookupError):
    pass


class _TimeoutSession(requests.Session):
    """The arxiv client sets no timeout; an unreachable API must not hang a request or a worker."""

    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        return super().request(*args, **kwargs)


def arxiv_client() -> arxiv.Client:
    client = arxiv.Client(page_size=100, delay_seconds=settings.DAILYPAPERS_ARXIV_REQUEST_DELAY, num_retries=1)
    client.query_url_format = settings.DAILYPAPERS_ARXIV_API_URL + "?{}"
    client._session = _TimeoutSession(settings.DAILYPAPERS_ARXIV_TIMEOUT)
    return client


def result_to_import(result: arxiv.Result) -> dict[str, Any]:
    """An arXiv API result in the pipeline's import shape."""
    paper_id, version = parse_arxiv_reference(result.entry_id)
    return {
        "id": paper_id,
        "version": version,
        "title": result.title,
        "abstract": result.summary,
        "authors": [a.name for a in result.authors],
        "categories": list(result.categories),
        "primary_category": result.primary_category,
        "published": result.published.isoformat() if result.published and result.published.year > 1 else None,
        "updated": result.updated.isoformat() if result.updated and result.updated.year > 1 else None,
        "doi": result.doi,
        "journal_ref": result.journal_ref,
        "comments": result.comment,
    }


def fetch_papers(references: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Look up arXiv ids or URLs; returns {id: import record} for those arXiv knows.

    Raises NotAnArxivId for text that is not an id, ArxivUnavailable when the API cannot be reached.
    """
    ids = list(dict.fromkeys(parse_arxiv_reference(ref)[0] for ref in references))
    if not ids:
        return {}
    found: dict[str, dict[str, Any]] = {}
    try:
        for result in arxiv_client().results(arxiv.Search(id_list=ids, max_results=len(ids))):
            record = result_to_import(result)
            found[record["id"]] = record
    except (arxiv.ArxivError, requests.RequestException) as exc:
        raise ArxivUnavailable(f"arXiv could not be reached ({type(exc).__name__}); try again later") from exc
    except NotAnArxivId as exc:  # an error entry instead of a paper
        raise PaperNotFound(str(exc)) from exc
    return found


def fetch_paper(reference: str) -> dict[str, Any]:
    paper_id, _ = parse_arxiv_reference(reference)
    record = fetch_papers([paper_id]).get(paper_id)
    if record is None:
        raise PaperNotFound(f"arXiv has no paper {paper_id}")
    return record


def arxiv_id_items(references: Iterable[str]) -> Iterator[SourceItem]:
    """Pipeline items for ``ingest arxiv-id``: found papers, and a rejection for each unknown id."""
    references = list(references)
    found = fetch_papers(references)
    for ref in references:
        paper_id, _ = parse_arxiv_reference(ref)
        if paper_id in found:
            yield SourceItem(location=f"arxiv {paper_id}", data=found[paper_id])
        else:
            yield SourceItem(location=f"arxiv {paper_id}", error=f"unknown id: arXiv has no paper {paper_id}")
