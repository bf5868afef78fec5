"""arXiv's daily announcement feeds (rss.arxiv.org), a daily source beside OAI-PMH.

arXiv rebuilds one feed per category (``cs.CL``) or archive (``cs``) each announcement day at
midnight US Eastern time; categories join with ``+`` (``cs.CL+cs.LG``) into one feed. Weekends and
holidays give an empty feed, and a feed holds at most 2,000 items (arXiv's feed service caps it).
Both forms arXiv serves are read: RSS 2.0 (``/rss/…``) and Atom (``/atom/…``), with the elements of
arXiv's RSS and Atom specifications (info.arxiv.org/help/rss_specifications.html).

Each item is one announcement, mapped to the import shape (the same as OAI-PMH's):

* ``new`` and ``cross`` (a new paper, listed in its primary or in another category): the paper at
  the version in its id. The feed has no submission date, only the announcement date, which is the
  first version's date at the latest: given as ``published_at_most`` (as the OAI ``arXiv`` format's
  ``<created>``), which the writer never lets move a stored date later.
* ``replace`` and ``replace-cross`` (a new version of an announced paper): merged into the stored
  paper by the pipeline's rules (the version goes up, the first-version date stays). A replacement
  is never a new paper: one of a paper this site does not have is skipped and counted, since the
  feed does not say when its first version was (the OAI harvest or ``ingest arxiv-id`` brings it).

One request per feed, through the site-wide arXiv slot; the daily run (``ingest.tasks.harvest_feed``)
keeps no checkpoint beyond the last announcement day read (``HarvestState``), since a feed only ever shows its latest day: a day the worker misses is
not in any later feed (README, "Ingesting arXiv": which daily source to pick).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings
from lxml import etree

from dailypapers.ingest.arxiv_authors import author_names
from dailypapers.ingest.arxiv_format import parse_rfc2822
from dailypapers.ingest.records import SourceItem
from dailypapers.ingest.sources.arxiv_limit import wait_for_arxiv_slot
from dailypapers.papers.identifiers import NotAnArxivId, parse_arxiv_reference

log = logging.getLogger(__name__)

SOURCE = "arxiv-rss"
FEED_ITEM_CAP = 2000  # arXiv's feeds stop at this many items; a full feed may have lost some
ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")
ACCEPT = "application/rss+xml, application/atom+xml;q=0.9, application/xml;q=0.8"
RAW_EXCERPT_CHARS = 2000

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_DC = "{http://purl.org/dc/elements/1.1/}"
# "arXiv:2508.13426v1 Announce Type: cross \nAbstract: As large language models ..."
_DESCRIPTION = re.compile(r"^\s*arXiv:\S+\s+Announce Type:\s*[\w-]+\s*(?:Abstract:\s*)?", re.IGNORECASE)
_FEED_NAME = re.compile(r"[A-Za-z][A-Za-z\-]*(?:\.[A-Za-z\-]+)?(?:\+[A-Za-z][A-Za-z\-]*(?:\.[A-Za-z\-]+)?)*")


class FeedError(Exception):
    """The feed could not be read (network, HTTP status, not an arXiv feed); nothing was written."""


@dataclass
class Announcement:
    """One feed item: its announce type and the record in the import shape (or why not)."""

    announce_type: str
    location: str
    data: dict[str, Any] | None
    error: str = ""
    raw: str = ""


@dataclass
class Feed:
    """A parsed feed: its announcement day (None for an empty weekend feed) and items."""

    name: str
    announced: dt.date | None
    announcements: list[Announcement] = field(default_factory=list)

    @property
    def capped(self) -> bool:
        return len(self.announcements) >= FEED_ITEM_CAP


def feed_name_for(set_spec: str) -> str:
    """The feed of an OAI set spec: ``physics:hep-th`` -> ``hep-th``, ``cs`` -> ``cs``."""
    return set_spec.rpartition(":")[2]


def feed_url(name: str) -> str:
    if not _FEED_NAME.fullmatch(name):
        raise FeedError(f"{name!r} is not an arXiv feed name (categories joined by '+', e.g. cs.CL+cs.LG)")
    return f"{settings.DAILYPAPERS_ARXIV_RSS_URL.rstrip('/')}/{name}"


def _text(el, tag: str) -> str:
    child = el.find(tag)
    return "".join(child.itertext()).strip() if child is not None else ""


def parse_feed(content: bytes, name: str = "") -> Feed:
    """An arXiv announcement feed (RSS 2.0 or Atom) -> :class:`Feed`; raises FeedError if it is neither."""
    try:
        root = etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False))
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"the arXiv feed {name} is not XML: {exc}") from exc
    if root.tag == "rss" and root.find("channel") is not None:
        channel = root.find("channel")
        items, atom = channel.findall("item"), False
        announced = parse_rfc2822(_text(channel, "pubDate"))
    elif root.tag == f"{_ATOM}feed":
        items, atom = root.findall(f"{_ATOM}entry"), True
        announced = None
    else:
        raise FeedError(f"the arXiv feed {name} is neither RSS nor Atom (root element {etree.QName(root).localname!r})")
    feed = Feed(name=name, announced=None)
    for item in items:
        announcement = _announcement(item, atom)
        feed.announcements.append(announcement)
        if atom and announced is None and announcement.data:  # Atom has no channel date: the items'
            announced = announcement.data.get("updated")
    if announced:
        feed.announced = dt.datetime.fromisoformat(announced).date()
    return feed


def _announcement(item, atom: bool) -> Announcement:
    raw = etree.tostring(item, encoding="unicode")[:RAW_EXCERPT_CHARS]
    if atom:
        guid, description = _text(item, f"{_ATOM}id"), _text(item, f"{_ATOM}summary")
        categories = [c.get("term", "").strip() for c in item.findall(f"{_ATOM}category")]
        announced = (_text(item, f"{_ATOM}published") or None)
    else:
        guid, description = _text(item, "guid"), _text(item, "description")
        categories = ["".join(c.itertext()).strip() for c in item.findall("category")]
        announced = parse_rfc2822(_text(item, "pubDate"))
    announce_type = _text(item, f"{_ARXIV}announce_type").lower()
    where = f"rss {guid or '(no id)'}"
    if announce_type not in ANNOUNCE_TYPES:
        return Announcement(announce_type, where, None, f"unknown announce type {announce_type[:40]!r}", raw)
    try:
        paper_id, version = parse_arxiv_reference(guid.removeprefix("oai:arXiv.org:"))
    except NotAnArxivId:
        return Announcement(announce_type, where, None, f"no arXiv id in the item ({guid[:80]!r})", raw)
    categories = [c for c in categories if c]
    data = {
        "id": paper_id,
        "version": version,
        "title": _text(item, f"{_ATOM}title" if atom else "title"),
        "abstract": _DESCRIPTION.sub("", description, count=1),
        "authors": author_names(_text(item, f"{_DC}creator")),
        # arXiv lists the primary category first (a cross-listed paper's is another feed's).
        "categories": categories,
        "primary_category": categories[0] if categories else None,
        "license": _text(item, f"{_DC}rights"),
        "doi": _text(item, f"{_ARXIV}DOI"),
        "journal_ref": _text(item, f"{_ARXIV}journal_reference"),
        # The announcement day bounds the first version's date from above (see the module docstring).
        "published_at_most": announced,
        "updated": announced,
    }
    return Announcement(announce_type, f"rss {paper_id}v{version or '?'}", data, raw=raw)


@dataclass
class FeedRun:
    """What one feed gave: the items for the pipeline, and what was left out and why."""

    feed: Feed
    items: list[SourceItem]
    skipped_replacements: int = 0

    def summary(self, report_summary: str) -> str:
        parts = [f"{self.feed.name} {self.feed.announced or '(empty feed: no announcements)'}: {report_summary}"]
        if self.skipped_replacements:
            parts.append(f"{self.skipped_replacements} replacements of papers not on this site skipped")
        if self.feed.capped:
            parts.append(f"the feed has {FEED_ITEM_CAP} items, arXiv's cap: some may be missing (use OAI-PMH for this set)")
        return "; ".join(parts)


def pipeline_items(feed: Feed) -> FeedRun:
    """The feed's announcements as pipeline items: one per paper (its latest version in the feed),
    replacements only of papers the site has (see the module docstring)."""
    from dailypapers.papers.models import Paper

    latest: dict[str, Announcement] = {}
    errors: list[SourceItem] = []
    for a in feed.announcements:
        if a.data is None:
            errors.append(SourceItem(location=a.location, error=a.error, raw=a.raw))
            continue
        seen = latest.get(a.data["id"])
        if seen is None or (a.data["version"] or 0) > (seen.data["version"] or 0):
            latest[a.data["id"]] = a
    replaced = [pid for pid, a in latest.items() if a.announce_type.startswith("replace")]
    stored = set(Paper.objects.filter(pk__in=replaced).values_list("pk", flat=True)) if replaced else set()
    items, skipped = [], 0
    for pid, a in latest.items():
        if a.announce_type.startswith("replace") and pid not in stored:
            skipped += 1
            continue
        items.append(SourceItem(location=a.location, data=a.data, raw=a.raw))
    return FeedRun(feed=feed, items=[*items, *errors], skipped_replacements=skipped)


def fetch_feed(name: str, *, timeout: float | None = None) -> Feed:
    """Download and parse one feed (one request, through the site-wide arXiv slot)."""
    url = feed_url(name)
    wait_for_arxiv_slot()
    try:
        response = requests.get(
            url,
            headers={"User-Agent": settings.DAILYPAPERS_ARXIV_USER_AGENT, "Accept": ACCEPT},
            timeout=timeout or settings.DAILYPAPERS_ARXIV_TIMEOUT,
        )
    except requests.RequestException as exc:
        raise FeedError(f"the arXiv feed {name} could not be fetched ({type(exc).__name__})") from exc
    if response.status_code != 200:
        raise FeedError(f"the arXiv feed {name} answered HTTP {response.status_code}")
    return parse_feed(response.content, name)


def feed_items(content: bytes, name: str = "") -> Iterator[SourceItem]:
    """The pipeline items of a feed read from a file (``ingest arxiv-rss --file``)."""
    yield from pipeline_items(parse_feed(content, name)).items
