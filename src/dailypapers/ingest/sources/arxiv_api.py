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

from dailypapers.ingest.records import SourceItem
from dailypapers.ingest.sources.arxiv_limit import wait_for_arxiv_slot
from dailypapers.papers.identifiers import NotAnArxivId, parse_arxiv_reference


class ArxivLookupError(Exception):
    """A lookup that could not be answered; the message is fit to show to a person."""


class PaperNotFound(ArxivLookupError):
    pass


class ArxivUnavailable(ArxivLookupError):
    pass


class ArxivBusy(ArxivUnavailable):
    """The site's next arXiv request slot is further away than the caller would wait (nothing was sent)."""


class _PoliteSession(requests.Session):
    """Every request waits for the site-wide arXiv slot (the arxiv client's own delay holds only per
    client object), and has a timeout (the arxiv client sets none; an unreachable API must not hang)."""

    def __init__(self, timeout: float, max_slot_wait: float | None):
        super().__init__()
        self.timeout = timeout
        self.max_slot_wait = max_slot_wait

    def request(self, *args, **kwargs):
        if not wait_for_arxiv_slot(self.max_slot_wait):
            raise ArxivBusy(f"arXiv's request slots are taken for the next {self.max_slot_wait:g} s")
        kwargs.setdefault("timeout", self.timeout)
        return super().request(*args, **kwargs)


def arxiv_client(timeout: float | None = None, max_slot_wait: float | None = None) -> arxiv.Client:
    """An arXiv API client: ``timeout`` per request (default DAILYPAPERS_ARXIV_TIMEOUT); with
    ``max_slot_wait``, raises :class:`ArxivBusy` instead of waiting longer for the site's request slot."""
    client = arxiv.Client(page_size=100, delay_seconds=0, num_retries=1)  # spacing: wait_for_arxiv_slot
    client.query_url_format = settings.DAILYPAPERS_ARXIV_API_URL + "?{}"
    client._session = _PoliteSession(timeout or settings.DAILYPAPERS_ARXIV_TIMEOUT, max_slot_wait)
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


def fetch_papers(references: Iterable[str], **client_options) -> dict[str, dict[str, Any]]:
    """Look up arXiv ids or URLs; returns {id: import record} for those arXiv knows.

    Raises NotAnArxivId for text that is not an id, ArxivUnavailable when the API cannot be reached
    (ArxivBusy when ``max_slot_wait`` is given and exceeded). ``client_options``: see :func:`arxiv_client`.
    """
    ids = list(dict.fromkeys(parse_arxiv_reference(ref)[0] for ref in references))
    if not ids:
        return {}
    found: dict[str, dict[str, Any]] = {}
    try:
        for result in arxiv_client(**client_options).results(arxiv.Search(id_list=ids, max_results=len(ids))):
            record = result_to_import(result)
            found[record["id"]] = record
    except (arxiv.ArxivError, requests.RequestException) as exc:
        raise ArxivUnavailable(f"arXiv could not be reached ({type(exc).__name__}); try again later") from exc
    except NotAnArxivId as exc:  # an error entry instead of a paper
        raise PaperNotFound(str(exc)) from exc
    return found


def fetch_paper(reference: str, **client_options) -> dict[str, Any]:
    paper_id, _ = parse_arxiv_reference(reference)
    record = fetch_papers([paper_id], **client_options).get(paper_id)
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
