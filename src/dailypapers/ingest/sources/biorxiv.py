"""bioRxiv and medRxiv through their public details API (api.biorxiv.org), a second preprint server.

``/details/{server}/{from}/{until}/{cursor}/json`` lists every version posted in a date range, a
page at a time (``messages[0]`` has ``count`` and ``total``); ``/details/{server}/{DOI}/na/json``
lists one paper's versions. Each record is mapped to the pipeline's import shape here, from its own
fields (nothing of arXiv's): the id from the server and the DOI (``papers.identifiers.
preprint_paper_id``: ``biorxiv-2024.01.15.575123``, never an arXiv id), the version's number and
date (the first-version date only from version 1; a later version's date bounds it from above, as
with arXiv's feeds), authors from "Surname, I.; Other, J." as "I. Surname", the subject category as
a category slug (``animal-behavior-and-cognition``), the licence code as its URL, the DOI of the
journal version (``published``) as the journal reference and the article type as the comment.

Pages are fetched ``DAILYPAPERS_BIORXIV_REQUEST_DELAY`` apart with the site's User-Agent; each page
is committed with its checkpoint (``HarvestState``: source ``biorxiv`` or ``medrxiv``), so a run cut
off resumes at the first page not written, and the next run starts after the last complete day.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Iterator
from typing import Any

import requests
from django.conf import settings
from django.utils import timezone

from dailypapers.ingest.models import HarvestState
from dailypapers.ingest.records import Checkpoint, SourceItem
from dailypapers.papers.identifiers import PREPRINT_SERVERS, InvalidIdentifier, preprint_paper_id

log = logging.getLogger(__name__)

SERVERS = tuple(PREPRINT_SERVERS)
ACCEPT = "application/json"
# The API's licence codes, as the licences' own URLs (the field arXiv's records fill with a URL too).
LICENSES = {
    "cc_by": "http://creativecommons.org/licenses/by/4.0/",
    "cc_by_nc": "http://creativecommons.org/licenses/by-nc/4.0/",
    "cc_by_nd": "http://creativecommons.org/licenses/by-nd/4.0/",
    "cc_by_nc_nd": "http://creativecommons.org/licenses/by-nc-nd/4.0/",
    "cc0": "http://creativecommons.org/publicdomain/zero/1.0/",
    "cc_no": "",  # no reuse licence: all rights reserved by the authors
}
_NOT_SLUG = re.compile(r"[^a-z]+")


class BiorxivError(Exception):
    """The API could not be read (network, HTTP status, an empty or non-JSON answer); the checkpoint is kept."""


def category_slug(category: str) -> str:
    """"Animal Behavior and Cognition" -> "animal-behavior-and-cognition" (a category the listings filter by)."""
    slug = _NOT_SLUG.sub("-", (category or "").lower()).strip("-")
    return slug[:40].rstrip("-")


def author_name(written: str) -> str:
    """"Loconsole, M." -> "M. Loconsole"; a name without a comma stays as written."""
    surname, comma, given = written.strip().partition(",")
    return f"{given.strip()} {surname.strip()}".strip() if comma and given.strip() else written.strip()


def details_to_import(item: dict[str, Any], server: str) -> dict[str, Any]:
    """One record of the details API in the import shape (the pipeline validates it)."""
    record_server = str(item.get("server") or server).strip().lower()
    server = record_server if record_server in SERVERS else server
    doi = str(item.get("doi") or "").strip()
    version_text = str(item.get("version") or "").strip()
    version = int(version_text) if version_text.isdigit() else None
    day = str(item.get("date") or "").strip() or None
    category = category_slug(str(item.get("category") or ""))
    published = str(item.get("published") or "").strip()
    licence = str(item.get("license") or "").strip().lower()
    return {
        "id": preprint_paper_id(server, doi),
        "version": version,
        "title": item.get("title"),
        "abstract": item.get("abstract"),
        "authors": [author_name(a) for a in str(item.get("authors") or "").split(";") if a.strip()],
        "categories": [category] if category else [],
        "primary_category": category or None,
        # A version's date: the first version's date only for version 1; later ones bound it.
        "published": day if version == 1 else None,
        "published_at_most": day,
        "updated": day,
        "doi": doi,
        "license": LICENSES.get(licence, licence),
        "journal_ref": f"doi:{published}" if published and published.upper() != "NA" else "",
        "comments": str(item.get("type") or "").strip(),
    }


def _items(collection: list, server: str, where: str) -> list[SourceItem]:
    """A page's records as pipeline items: one per paper (its latest version on the page)."""
    latest: dict[str, tuple[int, SourceItem]] = {}
    first_posted: dict[str, str] = {}  # a paper's version 1 on the same page gives its first-version date
    rejected = []
    for n, raw in enumerate(collection):
        location = f"{server} {where} #{n}"
        if not isinstance(raw, dict):
            rejected.append(SourceItem(location=location, error="not a JSON object", raw=str(raw)[:2000]))
            continue
        try:
            data = details_to_import(raw, server)
        except InvalidIdentifier as exc:
            rejected.append(SourceItem(location=location, error=str(exc), raw=str(raw)[:2000]))
            continue
        version = data["version"] or 0
        if version == 1 and data["published"]:
            first_posted[data["id"]] = data["published"]
        seen = latest.get(data["id"])
        if seen is None or version > seen[0]:
            latest[data["id"]] = (version, SourceItem(location=f"{server} {raw.get('doi')}v{version}", data=data))
    items = []
    for paper_id, (_, item) in latest.items():
        if not item.data["published"] and paper_id in first_posted:
            item.data["published"] = first_posted[paper_id]
        items.append(item)
    return items + rejected


def fetch_json(path: str, timeout: float | None = None) -> dict:
    """One request to the API (``DAILYPAPERS_BIORXIV_API_URL`` + path); raises BiorxivError."""
    url = settings.DAILYPAPERS_BIORXIV_API_URL.rstrip("/") + path
    try:
        response = requests.get(url, timeout=timeout or settings.DAILYPAPERS_BIORXIV_TIMEOUT,
                                headers={"User-Agent": settings.DAILYPAPERS_ARXIV_USER_AGENT, "Accept": ACCEPT})  # fmt: skip
    except requests.RequestException as exc:
        raise BiorxivError(f"the bioRxiv API could not be reached ({type(exc).__name__})") from exc
    if response.status_code != 200:
        raise BiorxivError(f"the bioRxiv API answered HTTP {response.status_code}")
    if not response.content.strip():  # seen in 2026: a 200 with an empty body
        raise BiorxivError("the bioRxiv API answered with an empty body")
    try:
        body = response.json()
    except ValueError as exc:
        raise BiorxivError("the bioRxiv API's answer is not JSON") from exc
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list) or not body["messages"]:
        raise BiorxivError("the bioRxiv API's answer has no messages")
    return body


def _status(body: dict) -> tuple[str, dict]:
    message = body["messages"][0] if isinstance(body["messages"][0], dict) else {}
    return str(message.get("status") or "").strip().lower(), message


def fetch_doi(doi: str, server: str = "biorxiv", *, timeout: float | None = None) -> dict[str, Any] | None:
    """The latest version of one paper, by DOI, in the import shape (its first-version date from v1);
    None when the server has no such paper. Raises BiorxivError."""
    preprint_paper_id(server, doi)  # the server and DOI are checked before anything is sent
    body = fetch_json(f"/details/{server}/{doi.strip()}/na/json", timeout)
    status, _ = _status(body)
    collection = [c for c in body.get("collection") or [] if isinstance(c, dict)]
    if status != "ok" or not collection:
        return None
    versions = sorted(collection, key=lambda c: int(c["version"]) if str(c.get("version", "")).isdigit() else 0)
    record = details_to_import(versions[-1], server)
    first = versions[0]
    if str(first.get("version")) == "1" and first.get("date"):
        record["published"] = str(first["date"]).strip()
    return record


class BiorxivHarvest:
    """One harvest of a server's postings from ``from_date`` to ``until``; iterate :meth:`items`.

    ``from_date`` defaults to the day after the last complete day of the previous harvest (the
    first harvest needs one); a run with the same range as an interrupted one resumes its cursor.
    """

    def __init__(self, server: str, *, from_date: dt.date | None = None, until: dt.date | None = None):
        if server not in SERVERS:
            raise BiorxivError(f"unknown server {server!r}: use one of {', '.join(SERVERS)}")
        self.server = server
        self.today = timezone.now().astimezone(dt.timezone.utc).date()
        self.state, _ = HarvestState.objects.get_or_create(source=server, set_spec="", defaults={"metadata_prefix": "details"})
        if from_date is None:
            if self.state.resumption_token and self.state.token_from:
                from_date, until = self.state.token_from, until or self.state.token_until
            elif self.state.last_datestamp:
                from_date = self.state.last_datestamp + dt.timedelta(days=1)
            else:
                raise BiorxivError(f"{server} has never been harvested: give a start date (--from YYYY-MM-DD)")
        self.from_date, self.until = from_date, until or self.today
        if self.until < self.from_date:
            raise BiorxivError(f"nothing to harvest: from {self.from_date} is after until {self.until}")

    @property
    def detail(self) -> str:
        return f"{self.server} details from {self.from_date} until {self.until}"

    def items(self) -> Iterator[SourceItem | Checkpoint]:
        s = self.state
        resumable = s.resumption_token.isdigit() and s.token_from == self.from_date and s.token_until == self.until
        cursor = int(s.resumption_token) if resumable else 0
        HarvestState.objects.filter(pk=s.pk).update(
            last_run_at=timezone.now(), last_error="", token_from=self.from_date, token_until=self.until,
            **({} if resumable else {"resumption_token": "", "pages": 0, "records": 0}))  # fmt: skip
        interval = f"{self.from_date.isoformat()}/{self.until.isoformat()}"
        first = True
        try:
            while True:
                if not first:
                    time.sleep(settings.DAILYPAPERS_BIORXIV_REQUEST_DELAY)
                first = False
                body = fetch_json(f"/details/{self.server}/{interval}/{cursor}/json")
                status, message = _status(body)
                # "no posts found" (an empty range) is a status of its own, with no collection
                collection = (body.get("collection") or []) if status == "ok" else []
                yield from _items(collection if isinstance(collection, list) else [], self.server, f"{interval} cursor {cursor}")
                count, total = _number(message.get("count")), _number(message.get("total"))
                cursor += count
                done = not collection or not count or cursor >= total
                yield Checkpoint(commit=self._committer("" if done else str(cursor), len(collection)))
                if done:
                    return
        except BiorxivError as exc:
            HarvestState.objects.filter(pk=s.pk).update(last_error=str(exc)[:2000])
            raise

    def _committer(self, token: str, n_records: int):
        def commit() -> None:
            state = HarvestState.objects.select_for_update().get(pk=self.state.pk)
            state.records += n_records
            state.pages += 1
            state.resumption_token = token
            if not token:
                complete = self.until if self.until < self.today else self.today - dt.timedelta(days=1)
                state.last_datestamp = max(filter(None, [state.last_datestamp, complete]))
                state.last_success_at = timezone.now()
                state.token_from = state.token_until = None
            state.save()
            self.state = state

        return commit


def _number(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
