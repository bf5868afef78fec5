"""Single-paper lookups: the arXiv API (Atom, through the ``arxiv`` package), else OAI-PMH GetRecord.

Used by ``dailypapers ingest arxiv-id ID`` and by member submissions. The query API is unreliable
(``429 Rate exceeded`` on single requests well below its documented rate, ``406`` without an
``Accept`` header): when it answers 429, 406 or 5xx, or does not answer in time, each id is asked
of OAI-PMH (``GetRecord``, arXivRaw: every version with its date) instead, through the same
site-wide request slot. Every request sends ``DAILYPAPERS_ARXIV_USER_AGENT`` (with a contact) and an
``Accept`` header. Base URLs: ``DAILYPAPERS_ARXIV_API_URL`` and ``DAILYPAPERS_ARXIV_OAI_URL``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

import arxiv
import requests
from django.conf import settings

from dailypapers.ingest.records import SourceItem
from dailypapers.ingest.sources.arxiv_limit import wait_for_arxiv_slot
from dailypapers.papers.identifiers import NotAnArxivId, parse_arxiv_reference

log = logging.getLogger(__name__)


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
        # The arxiv client sends its own User-Agent; arXiv asks for one that names the site and a contact.
        kwargs["headers"] = {**(kwargs.get("headers") or {}), **arxiv_headers(API_ACCEPT)}
        kwargs["headers"].pop("user-agent", None)
        return super().request(*args, **kwargs)


API_ACCEPT = "application/atom+xml, application/xml;q=0.9"
OAI_ACCEPT = "text/xml, application/xml;q=0.9"
# The API answers these when it cannot serve the request now (429 rate, 406 no Accept header, 5xx):
# then OAI-PMH GetRecord is asked instead.
FALLBACK_STATUSES = frozenset({406, 429, 500, 502, 503, 504})


def arxiv_headers(accept: str) -> dict[str, str]:
    """The headers of every request to arXiv: the site's User-Agent (with a contact) and ``Accept``."""
    return {"User-Agent": settings.DAILYPAPERS_ARXIV_USER_AGENT, "Accept": accept}


def arxiv_client(timeout: float | None = None, max_slot_wait: float | None = None) -> arxiv.Client:
    """An arXiv API client: ``timeout`` per request (default DAILYPAPERS_ARXIV_TIMEOUT); with
    ``max_slot_wait``, raises :class:`ArxivBusy` instead of waiting longer for the site's request slot."""
    # Spacing: wait_for_arxiv_slot. No retry of the API itself: when it fails, GetRecord is the retry.
    client = arxiv.Client(page_size=100, delay_seconds=0, num_retries=0)
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

    The API first; when it answers 429/406/5xx or times out, OAI-PMH GetRecord for each id. Raises
    NotAnArxivId for text that is not an id, ArxivUnavailable when neither answers (ArxivBusy when
    ``max_slot_wait`` is given and exceeded). ``client_options``: ``timeout`` and ``max_slot_wait``
    (see :func:`arxiv_client`).
    """
    ids = list(dict.fromkeys(parse_arxiv_reference(ref)[0] for ref in references))
    if not ids:
        return {}
    found: dict[str, dict[str, Any]] = {}
    try:
        for result in arxiv_client(**client_options).results(arxiv.Search(id_list=ids, max_results=len(ids))):
            record = result_to_import(result)
            found[record["id"]] = record
    except ArxivBusy:
        raise
    except (arxiv.ArxivError, requests.RequestException) as exc:
        if not _worth_the_fallback(exc):
            raise ArxivUnavailable(f"arXiv could not be reached ({type(exc).__name__}); try again later") from exc
        log.info("arXiv API failed (%s): asking OAI-PMH GetRecord for %s", _failure(exc), ", ".join(ids))
        return _get_records(ids, api_failure=_failure(exc), **client_options)
    except NotAnArxivId as exc:  # an error entry instead of a paper
        raise PaperNotFound(str(exc)) from exc
    return found


def _worth_the_fallback(exc: Exception) -> bool:
    """The API could not serve the request now (429/406/5xx, a timeout or a dropped connection)."""
    if isinstance(exc, arxiv.HTTPError):
        return exc.status in FALLBACK_STATUSES
    return isinstance(exc, (requests.Timeout, requests.ConnectionError))


def _failure(exc: Exception) -> str:
    return f"HTTP {exc.status}" if isinstance(exc, arxiv.HTTPError) else type(exc).__name__


def _get_records(ids: list[str], *, api_failure: str, timeout: float | None = None,
                 max_slot_wait: float | None = None) -> dict[str, dict[str, Any]]:  # fmt: skip
    found = {}
    for paper_id in ids:
        try:
            found[paper_id] = get_record(paper_id, timeout=timeout, max_slot_wait=max_slot_wait)
        except PaperNotFound:
            continue
        except ArxivBusy:
            raise
        except ArxivUnavailable as exc:
            raise ArxivUnavailable(f"arXiv could not be reached (API: {api_failure}; OAI-PMH: {exc}); try again later") from exc
    return found


def get_record(paper_id: str, *, timeout: float | None = None, max_slot_wait: float | None = None) -> dict[str, Any]:
    """arXiv's record of one paper from OAI-PMH ``GetRecord`` (arXivRaw), in the import shape.

    Raises PaperNotFound (``idDoesNotExist``, a deleted record), ArxivUnavailable (no answer in
    ``timeout``, an HTTP error, not an OAI-PMH answer) and ArxivBusy (the slot is further than
    ``max_slot_wait``).
    """
    from lxml import etree

    from dailypapers.ingest.sources.arxiv_oai import record_to_item

    if not wait_for_arxiv_slot(max_slot_wait):
        raise ArxivBusy(f"arXiv's request slots are taken for the next {max_slot_wait:g} s")
    params = {"verb": "GetRecord", "identifier": f"oai:arXiv.org:{paper_id}", "metadataPrefix": "arXivRaw"}
    try:
        response = requests.get(settings.DAILYPAPERS_ARXIV_OAI_URL, params=params, headers=arxiv_headers(OAI_ACCEPT),
                                timeout=timeout or settings.DAILYPAPERS_ARXIV_TIMEOUT)  # fmt: skip
    except requests.RequestException as exc:
        raise ArxivUnavailable(f"no answer ({type(exc).__name__})") from exc
    if response.status_code != 200:
        raise ArxivUnavailable(f"HTTP {response.status_code}")
    try:
        root = etree.fromstring(response.content, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise ArxivUnavailable("the answer is not XML") from exc
    ns = "{http://www.openarchives.org/OAI/2.0/}"
    error = root.find(f"{ns}error")
    if error is not None:
        if error.get("code") == "idDoesNotExist":
            raise PaperNotFound(f"arXiv has no paper {paper_id}")
        raise ArxivUnavailable(f"OAI-PMH error {error.get('code')}")
    record = root.find(f"{ns}GetRecord/{ns}record")
    if record is None:
        raise ArxivUnavailable("not an OAI-PMH GetRecord answer")
    item = record_to_item(record)
    if item.deleted:
        raise PaperNotFound(f"arXiv has no paper {paper_id} (its record was deleted)")
    if item.error or not item.data or item.data.get("id") != paper_id:
        raise ArxivUnavailable(f"arXiv's record of {paper_id} could not be read ({item.error or 'another id'})")
    return item.data


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
