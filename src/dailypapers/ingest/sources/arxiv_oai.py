"""Incremental OAI-PMH harvest of arXiv (``sickle``), checkpointed per set in ``HarvestState``.

Each page of a ListRecords response becomes the records on it followed by a
:class:`~dailypapers.ingest.records.Checkpoint`; the pipeline commits the page's papers and the
new checkpoint (next page's resumption token, or at the end the harvested-up-to day) in one
transaction. So a run killed or cut off by a network error resumes at the first page that was not
committed, and a completed run's next harvest starts after the last complete day.

Formats: ``arXivRaw`` (the default: every version with its date, authors as one string, split by
:mod:`~dailypapers.ingest.arxiv_authors`, which agrees with arXiv's own structured list on 99.8 %
of a real sample) and ``arXiv`` (structured authors, but no version list, and its ``<created>`` is
the current version's date on arXiv's present server, not the first version's). So an ``arXiv``
record says nothing about the version (``version`` is None: "unknown", never 1) and gives
``created`` only as an upper bound of the first-version date (``published_at_most``), never as
``published``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

import requests
from django.conf import settings
from django.utils import timezone
from lxml import etree
from sickle import Sickle

from dailypapers.ingest.arxiv_authors import author_names, structured_author_name
from dailypapers.ingest.arxiv_format import parse_rfc2822
from dailypapers.ingest.models import HarvestState
from dailypapers.ingest.records import Checkpoint, SourceItem
from dailypapers.ingest.sources.arxiv_limit import wait_for_arxiv_slot

log = logging.getLogger(__name__)

SOURCE = "arxiv-oai"
FORMATS = ("arXiv", "arXivRaw")
RAW_EXCERPT_CHARS = 2000


class HarvestError(Exception):
    """The harvest cannot go on (network, server or protocol error); the checkpoint is kept."""


class _PoliteSickle(Sickle):
    """Sickle whose waits on 503 + Retry-After are capped (arXiv asks for 5-10 s; tests for less)."""

    def __init__(self, *args, max_retry_after: float, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_retry_after = max_retry_after

    def get_retry_after(self, http_response):
        return min(super().get_retry_after(http_response), self.max_retry_after)

    def _request(self, kwargs):
        wait_for_arxiv_slot()  # one request every few seconds from the whole site (retries included)
        return super()._request(kwargs)


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _child(el, name: str):
    for child in el:
        if _local(child.tag) == name:
            return child
    return None


def _children(el, name: str) -> list:
    return [child for child in el if _local(child.tag) == name]


def _text(el, name: str) -> str | None:
    child = _child(el, name)
    if child is None:
        return None
    return "".join(child.itertext())


def record_to_item(record) -> SourceItem:
    """One OAI ``<record>`` element as a pipeline item (deleted, mapped, or the reason it is not)."""
    raw = etree.tostring(record, encoding="unicode")[:RAW_EXCERPT_CHARS]
    header = _child(record, "header")
    identifier = (_text(header, "identifier") or "").strip() if header is not None else ""
    where = f"oai {identifier or '(no identifier)'}"
    if header is None or not identifier:
        return SourceItem(location=where, error="malformed record: no header identifier", raw=raw)
    arxiv_id = identifier.rsplit(":", 1)[-1]  # oai:arXiv.org:2406.01234
    if header.get("status") == "deleted":
        return SourceItem(location=where, data={"id": arxiv_id}, deleted=True, raw=raw)
    metadata = _child(record, "metadata")
    meta = metadata[0] if metadata is not None and len(metadata) else None
    if meta is None or _local(meta.tag) not in FORMATS:
        return SourceItem(location=where, error="malformed record: no arXiv or arXivRaw metadata", raw=raw)
    if _local(meta.tag) == "arXiv":
        data = _arxiv_metadata(meta)
    else:
        data = _arxiv_raw_metadata(meta)
    data["id"] = data.get("id") or None
    return SourceItem(location=where, data=data, raw=raw)


def _common(meta) -> dict[str, Any]:
    categories = _text(meta, "categories")
    return {
        "id": (_text(meta, "id") or "").strip(),
        "title": _text(meta, "title"),
        "abstract": _text(meta, "abstract"),
        "categories": categories,
        # arXiv lists the primary category first.
        "primary_category": categories.split()[0] if categories and categories.split() else None,
        "comments": _text(meta, "comments"),
        "journal_ref": _text(meta, "journal-ref"),
        "doi": _text(meta, "doi"),
        "license": _text(meta, "license"),
        "report_no": _text(meta, "report-no"),
    }


def _arxiv_metadata(meta) -> dict[str, Any]:
    data = _common(meta)
    authors_el = _child(meta, "authors")
    authors = []
    for author in _children(authors_el, "author") if authors_el is not None else []:
        name = structured_author_name(_text(author, "keyname"), _text(author, "forenames"), _text(author, "suffix"))
        if name:  # arXiv's own parser leaves punctuation-only names (<keyname>:</keyname>)
            authors.append(name)
    data["authors"] = authors
    created, updated = _text(meta, "created"), _text(meta, "updated")
    # <created> is the current version's date (arXiv's server, although its schema says first
    # version): the first version is no later than it. No version list: the version is unknown.
    data["published"] = None
    data["published_at_most"] = created
    data["updated"] = updated or created
    data["version"] = None
    return data


def _version_number(el) -> int | None:
    label = (el.get("version") or "").strip().lower()
    return int(label[1:]) if label[:1] == "v" and label[1:].isdigit() else None


def _arxiv_raw_metadata(meta) -> dict[str, Any]:
    data = _common(meta)
    data["authors"] = author_names(_text(meta, "authors") or "")
    versions = []
    for position, el in enumerate(_children(meta, "version"), start=1):
        versions.append((_version_number(el) or position, parse_rfc2822((_text(el, "date") or "").strip()),
                         (_text(el, "source_type") or "").strip()))  # fmt: skip
    if versions:
        versions.sort(key=lambda v: v[0])  # listed in order on arXiv, but the number says which is v1
        data["published"] = versions[0][1]  # the first version's date and time
        data["updated"] = versions[-1][1]
        data["version"] = versions[-1][0]
        # arXiv marks a withdrawal as a new version whose source type is "I" (arXiv/oaipmh's
        # _process_source_format: 'withdrawn' -> 'I').
        data["withdrawn"] = "I" in versions[-1][2]
    return data


class OaiHarvest:
    """One harvest of one set; iterate :meth:`items` through the pipeline.

    ``from_date`` defaults to the day after the last complete day of the previous harvest of the
    set (the first harvest of a set needs one); ``until`` defaults to today (UTC, as arXiv's
    datestamps are). A run with the same from/until as an interrupted one resumes its token.
    """

    def __init__(
        self,
        set_spec: str,
        *,
        from_date: dt.date | None = None,
        until: dt.date | None = None,
        metadata_prefix: str = "arXivRaw",
        endpoint: str | None = None,
    ):
        if metadata_prefix not in FORMATS:
            raise HarvestError(f"unknown metadata format {metadata_prefix!r}; use one of {', '.join(FORMATS)}")
        self.set_spec = set_spec
        self.metadata_prefix = metadata_prefix
        self.endpoint = endpoint or settings.DAILYPAPERS_ARXIV_OAI_URL
        self.today = timezone.now().astimezone(dt.timezone.utc).date()
        self.state, _ = HarvestState.objects.get_or_create(source=SOURCE, set_spec=set_spec)
        if from_date is None:
            if self.state.resumption_token and self.state.token_from:
                from_date = self.state.token_from
                until = until or self.state.token_until
            elif self.state.last_datestamp:
                from_date = self.state.last_datestamp + dt.timedelta(days=1)
            else:
                raise HarvestError(f"set {set_spec!r} has never been harvested: give a start date (--from YYYY-MM-DD)")
        self.from_date = from_date
        self.until = until or self.today
        if self.until < self.from_date:
            raise HarvestError(f"nothing to harvest: from {self.from_date} is after until {self.until}")
        self.pages = 0
        self.client = _PoliteSickle(
            self.endpoint,
            max_retries=settings.DAILYPAPERS_ARXIV_MAX_RETRIES,
            default_retry_after=settings.DAILYPAPERS_ARXIV_REQUEST_DELAY,
            max_retry_after=settings.DAILYPAPERS_ARXIV_MAX_RETRY_AFTER,
            timeout=settings.DAILYPAPERS_ARXIV_TIMEOUT,
            headers={"User-Agent": settings.DAILYPAPERS_ARXIV_USER_AGENT},
        )

    @property
    def detail(self) -> str:
        return f"set {self.set_spec or '(all)'} {self.metadata_prefix} from {self.from_date} until {self.until}"

    def _resumable(self) -> bool:
        s = self.state
        return bool(s.resumption_token) and s.token_from == self.from_date and s.token_until == self.until

    def items(self) -> Iterator[SourceItem | Checkpoint]:
        token = self.state.resumption_token if self._resumable() else ""
        if token:
            log.info("resuming %s at page %s", self.detail, self.state.pages + 1)
        else:
            HarvestState.objects.filter(pk=self.state.pk).update(
                resumption_token="", token_from=self.from_date, token_until=self.until, pages=0, records=0
            )
        HarvestState.objects.filter(pk=self.state.pk).update(last_run_at=timezone.now(), last_error="")
        try:
            while True:
                if token:
                    params = {"verb": "ListRecords", "resumptionToken": token}
                else:
                    params = {"verb": "ListRecords", "metadataPrefix": self.metadata_prefix,
                              "from": self.from_date.isoformat(), "until": self.until.isoformat()}  # fmt: skip
                    if self.set_spec:
                        params["set"] = self.set_spec
                records, token = self._fetch_page(params)
                self.pages += 1
                yield from (record_to_item(r) for r in records)
                yield Checkpoint(commit=self._committer(token, len(records)))
                if not token:
                    return
        except HarvestError as exc:
            HarvestState.objects.filter(pk=self.state.pk).update(last_error=str(exc)[:2000])
            raise

    def _fetch_page(self, params: dict) -> tuple[list, str]:
        try:
            response = self.client.harvest(**params)
            xml = response.xml
        except requests.RequestException as exc:
            raise HarvestError(f"arXiv OAI-PMH request failed: {exc}") from exc
        except etree.LxmlError as exc:
            raise HarvestError(f"arXiv OAI-PMH page is not XML: {exc}") from exc
        if xml is None or _local(xml.tag) != "OAI-PMH":
            raise HarvestError("arXiv OAI-PMH page is not an OAI-PMH response")
        error = _child(xml, "error")
        if error is not None:
            code = error.get("code", "unknown")
            if code == "noRecordsMatch":
                return [], ""
            if code == "badResumptionToken":
                HarvestState.objects.filter(pk=self.state.pk).update(resumption_token="")
            raise HarvestError(f"arXiv OAI-PMH error {code}: {(error.text or '').strip()[:300]}")
        body = _child(xml, "ListRecords")
        if body is None:
            raise HarvestError("arXiv OAI-PMH response has no ListRecords")
        token_el = _child(body, "resumptionToken")
        token = (token_el.text or "").strip() if token_el is not None else ""
        return _children(body, "record"), token

    def _committer(self, token: str, n_records: int):
        def commit() -> None:
            state = HarvestState.objects.select_for_update().get(pk=self.state.pk)
            state.records += n_records
            state.pages += 1
            state.metadata_prefix = self.metadata_prefix
            state.resumption_token = token
            if not token:  # finished: remember the last day that can no longer change
                complete = self.until if self.until < self.today else self.today - dt.timedelta(days=1)
                state.last_datestamp = max(filter(None, [state.last_datestamp, complete]))
                state.last_success_at = timezone.now()
                state.token_from = state.token_until = None
                state.last_error = ""
            state.save()
            self.state = state

        return commit
