"""Validation and normalization: a raw record in the import shape -> a :class:`PaperRecord`, or the reason not.

Needs no database, so it runs in worker processes too (see ``parallel``). Identifiers, categories and
organization slugs follow ``papers.identifiers``; the rest of the record's rules are here.
"""

from __future__ import annotations

import datetime as dt
import html
import html.entities
import json
import re
import time
import unicodedata
from functools import lru_cache
from typing import Any

from django.utils import timezone

from dailypapers.ingest.records import (
    PaperRecord,
    RecordRejected,
    SourceItem,
    ValidatedItem,
)
from dailypapers.papers import identifiers
from dailypapers.papers.identifiers import (
    MAX_CATEGORY_CHARS,
    MAX_ORGANIZATION_SLUG_CHARS,
    ORGANIZATION_SLUG_RULE,
    InvalidIdentifier,
    is_category,
    is_organization_slug,
)
from dailypapers.papers.models import normalize_person_name
from dailypapers.papers.text import reflow

MAX_TITLE_CHARS = 1_000
MAX_ABSTRACT_CHARS = 20_000
MAX_AUTHORS = 5_000
MAX_AUTHOR_NAME_CHARS = 300
MAX_SHORT_FIELD_CHARS = 2_000
MAX_CATEGORIES = 50
EARLIEST_DATE = dt.date(1980, 1, 1)
QUARANTINE_EXCERPT_CHARS = 2_000
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])  # as _CONTROL_CHARS


# HTML character references in text from sources that scraped or re-escaped HTML (listings, feeds):
# whole ones (``&#x2013;``, ``&#8211;``, ``&amp;``, ``&mdash;``), and ones whose ``&#`` and ``;`` an
# earlier step stripped, glued between words ("componentsx2013such", "(7B)x2014a"; only the
# punctuation block U+2010..U+2027, dashes, quotes and ellipsis, where no real word looks so).
_CHARACTER_REFERENCE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_STRIPPED_REFERENCE = re.compile(r"(?<=[A-Za-z)\]])x(20(?:1[0-9a-f]|2[0-7]))(?=[A-Za-z(\[])")


def _decode_reference(match: re.Match) -> str:
    reference = match.group(0)
    if reference[1] == "#" or reference[1:] in html.entities.html5:  # a named one only when whole
        return html.unescape(reference)
    return reference


def decode_character_references(text: str) -> str:
    """``text`` with HTML character references turned into the characters they stand for (text is
    text: every output escapes it for its own syntax, so a literal ``&#x2013;`` is never wanted)."""
    if "&" in text:
        text = _CHARACTER_REFERENCE.sub(_decode_reference, text)
    if "x20" in text:
        text = _STRIPPED_REFERENCE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text


def clean_text(value: Any, field_name: str, max_chars: int, *, single_line: bool = False) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordRejected(f"bad {field_name}: expected a string, got {type(value).__name__}")
    if len(value) > max_chars * 4:  # cheap early exit before normalizing huge strings
        raise RecordRejected(f"{field_name} too long: {len(value)} characters (max {max_chars})")
    # Checking before changing anything: this runs for a dozen fields of each of a snapshot's 3M
    # records, nearly all of them clean ASCII. (bytes.translate scans ~5x faster than a regex.)
    try:
        encoded = value.encode()
    except UnicodeEncodeError:  # JSON "\ud800" decodes to a lone surrogate, which no database stores
        raise RecordRejected(f"bad {field_name}: invalid Unicode (a lone surrogate)") from None
    if len(encoded.translate(None, _CONTROL_BYTES)) != len(encoded):
        value = _CONTROL_CHARS.sub("", value)
    value = decode_character_references(value)
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    text = " ".join(value.split()) if single_line else value.strip()
    if len(text) > max_chars:
        raise RecordRejected(f"{field_name} too long: {len(text)} characters (max {max_chars})")
    return text


def parse_paper_id(value: Any) -> tuple[str, int | None]:
    """Return (id without version, version or None) for an arXiv or source-prefixed id (see
    ``papers.identifiers``); raises :class:`RecordRejected` with the reason."""
    try:
        return identifiers.parse_paper_id(value)
    except InvalidIdentifier as exc:
        raise RecordRejected(str(exc)) from None


def parse_datetime(value: Any, field_name: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise RecordRejected(f"bad {field_name}: expected a date string")
    text = value.strip()
    try:
        if len(text) == 10:
            parsed = dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), tzinfo=dt.timezone.utc)
        else:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise RecordRejected(f"bad {field_name}: {text[:40]!r} is not a date (YYYY-MM-DD or ISO 8601)") from None
    if parsed.date() < EARLIEST_DATE or parsed > _latest_allowed_date():
        raise RecordRejected(f"impossible {field_name}: {text[:40]}")
    return parsed


def _latest_allowed_date(_cache=[0.0, None]) -> dt.datetime:  # noqa: B006 - the default is the cache
    """Two days from now (clock skew, time zones), recomputed at most once a second: it is asked
    for every date of every record."""
    if time.monotonic() - _cache[0] > 1:
        _cache[:] = time.monotonic(), timezone.now() + dt.timedelta(days=2)
    return _cache[1]


def parse_url(value: Any, field_name: str) -> str:
    """An http(s) URL with a host, as ``urlsplit`` parses it; what it rejects is rejected."""
    text = clean_text(value, field_name, 500, single_line=True)
    if text and not identifiers.is_http_url(text):
        raise RecordRejected(f"bad {field_name}: {text[:80]!r} is not an http(s) URL")
    return text


def parse_authors(value: Any) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if isinstance(value, str):  # "A. One, B. Two and C. Three"
        value = [p for p in re.split(r",\s*|\s+and\s+", value) if p.strip()]
    if not isinstance(value, list):
        raise RecordRejected("bad authors: expected a list of names")
    if len(value) > MAX_AUTHORS:
        raise RecordRejected(f"too many authors: {len(value)} (max {MAX_AUTHORS})")
    names = [_clean_author_name(item) if type(item) is str else _other_author_name(item) for item in value]
    return tuple(filter(None, names))


def _other_author_name(item: Any) -> str:
    if isinstance(item, dict):
        item = item.get("name")
        if type(item) is str:
            return _clean_author_name(item)
    return clean_text(item, "author name", MAX_AUTHOR_NAME_CHARS)


@lru_cache(maxsize=100_000)
def _clean_author_name(name: str) -> str:
    # Names recur across papers (median 4 authors a paper, prolific authors on hundreds), so the
    # same cleaning is memoized; rejections raise and are not cached.
    return clean_text(name, "author name", MAX_AUTHOR_NAME_CHARS, single_line=True)


# Author matching key (the bounded memo keeps a 3M-paper import from normalizing the same names
# millions of times).
author_key = lru_cache(maxsize=100_000)(normalize_person_name)


def parse_categories(value: Any, primary: Any) -> tuple[tuple[str, ...], str]:
    if type(value) is str and (primary is None or type(primary) is str):
        return _parse_category_string(value, primary)
    return _parse_categories(value, primary)


@lru_cache(maxsize=20_000)
def _parse_category_string(value: str, primary: str | None) -> tuple[tuple[str, ...], str]:
    # A snapshot's 3M records share a few thousand category lists: each is checked once.
    # (Rejections raise, and are not cached.)
    return _parse_categories(value, primary)


def _parse_categories(value: Any, primary: Any) -> tuple[tuple[str, ...], str]:
    if value in (None, ""):
        cats: list[str] = []
    elif isinstance(value, str):
        cats = value.split()
    elif isinstance(value, list) and all(isinstance(c, str) for c in value):
        cats = [c.strip() for c in value if c.strip()]
    else:
        raise RecordRejected("bad categories: expected a list or a space-separated string")
    if len(cats) > MAX_CATEGORIES:
        raise RecordRejected(f"too many categories: {len(cats)}")
    for c in cats:
        if not is_category(c):
            raise RecordRejected(f"bad category: {c[:40]!r}")
    cats = list(dict.fromkeys(cats))  # dedupe, keep order
    primary_cat = clean_text(primary, "primary_category", MAX_CATEGORY_CHARS, single_line=True) if primary else ""
    if primary_cat and not is_category(primary_cat):
        raise RecordRejected(f"bad primary_category: {primary_cat!r}")
    if primary_cat and primary_cat not in cats:
        cats.insert(0, primary_cat)
    return tuple(cats), primary_cat or (cats[0] if cats else "")


def parse_organization(value: Any) -> tuple[str, str] | None:
    if value in (None, ""):
        return None
    if isinstance(value, dict):
        slug, name = value.get("slug") or value.get("name"), value.get("name") or value.get("fullname")
    elif isinstance(value, str):
        # Listings show "deepseek-ai DeepSeek": the handle, then the display name.
        slug, _, name = value.strip().partition(" ")
    else:
        raise RecordRejected("bad organization: expected a string or an object")
    slug = clean_text(slug, "organization", MAX_ORGANIZATION_SLUG_CHARS, single_line=True)
    name = clean_text(name, "organization name", 200, single_line=True) or slug
    if not is_organization_slug(slug or ""):  # the slug is in the organization's URLs
        raise RecordRejected(f"bad organization: {str(slug)[:40]!r} is not a slug ({ORGANIZATION_SLUG_RULE})")
    return slug, name


def parse_int(value: Any, field_name: str, *, minimum: int = 0, maximum: int = 10**9) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise RecordRejected(f"bad {field_name}: expected an integer")
    try:
        number = int(value)
    except ValueError:
        raise RecordRejected(f"bad {field_name}: {str(value)[:20]!r} is not an integer") from None
    if not minimum <= number <= maximum:
        raise RecordRejected(f"bad {field_name}: {number} out of range")
    return number


def normalize_record(data: dict[str, Any]) -> PaperRecord:
    """Validate one raw record in the import shape and return its normalized form."""
    if not isinstance(data, dict):
        raise RecordRejected("not a JSON object")
    paper_id, id_version = parse_paper_id(data.get("id"))
    title = clean_text(data.get("title"), "title", MAX_TITLE_CHARS, single_line=True)
    if not title:
        raise RecordRejected("missing title")
    # None: the source does not know the version (the ``arXiv`` format); the writer then keeps the stored one.
    version = parse_int(data.get("version"), "version", minimum=1, maximum=1000) or id_version
    categories, primary = parse_categories(data.get("categories"), data.get("primary_category"))
    links = data.get("links") or {}
    if not isinstance(links, dict):
        raise RecordRejected("bad links: expected an object")
    daily = parse_datetime(data.get("daily_date"), "daily_date")
    daily_submitted_at = parse_datetime(data.get("daily_submitted_at"), "daily_submitted_at")
    published = parse_datetime(data.get("published"), "published")
    if published is None:
        # An upper bound of the first-version date (the ``arXiv`` format's <created>): stored as is only
        # for a new paper, as the writer never moves a stored date later (``writer.merged_with_stored``).
        published = parse_datetime(data.get("published_at_most"), "published_at_most")
    updated = parse_datetime(data.get("updated"), "updated")
    withdrawn_at = parse_datetime(data.get("withdrawn_at"), "withdrawn_at")
    if withdrawn_at is None and data.get("withdrawn") is True:  # arXivRaw: the withdrawal is the last version
        withdrawn_at = updated or timezone.now()
    return PaperRecord(
        id=paper_id,
        title=title,
        # arXiv hard-wraps abstracts at ~80 columns; a paragraph starts where a line is indented.
        abstract=reflow(clean_text(data.get("abstract"), "abstract", MAX_ABSTRACT_CHARS)),
        version=version,
        authors=parse_authors(data.get("authors")),
        categories=categories,
        primary_category=primary,
        published_at=published,
        updated_at=updated,
        doi=clean_text(data.get("doi"), "doi", 200, single_line=True),
        journal_ref=clean_text(data.get("journal_ref"), "journal_ref", MAX_SHORT_FIELD_CHARS, single_line=True),
        comments=clean_text(data.get("comments"), "comments", MAX_SHORT_FIELD_CHARS, single_line=True),
        license=clean_text(data.get("license"), "license", 200, single_line=True),
        report_no=clean_text(data.get("report_no"), "report_no", 300, single_line=True),
        withdrawn_at=withdrawn_at,
        github_repo=parse_url(data.get("github_repo") or links.get("code"), "github_repo"),
        project_page=parse_url(data.get("project_page") or links.get("project_page"), "project_page"),
        listed_author_count=parse_int(data.get("num_authors"), "num_authors", maximum=MAX_AUTHORS),
        imported_upvotes=parse_int(data.get("upvotes"), "upvotes") or 0,
        organization=parse_organization(data.get("organization")),
        daily_date=daily.date() if daily else None,
        daily_submitted_at=daily_submitted_at if daily else None,
    )


def validate_item(item: SourceItem) -> ValidatedItem | SourceItem:
    """A record item -> its :class:`ValidatedItem`, or a copy of it carrying the rejection reason.

    Needs no database, so it can run in worker processes; the rejected copy keeps the excerpt the
    quarantine stores, not the parsed data.
    """
    if item.error:
        return item
    return validate_record(item.location, item.data, item.raw)


def validate_record(location: str, data: Any, raw: str = "") -> ValidatedItem | SourceItem:
    """:func:`validate_item` for a record not wrapped in a :class:`SourceItem` (worker hot path)."""
    try:
        record = normalize_record(data)
    except RecordRejected as exc:
        return SourceItem(location=location, error=str(exc), raw=quarantine_excerpt(raw, data))
    return ValidatedItem(location, record, record.content_hash(), tuple(map(author_key, record.authors)))


def quarantine_excerpt(raw: str, data: Any) -> str:
    """The start of a rejected record as a database can store it (a lone surrogate becomes "?")."""
    excerpt = raw or (json.dumps(data, ensure_ascii=False, default=str) if data else "")
    excerpt = excerpt[:QUARANTINE_EXCERPT_CHARS]
    return excerpt if excerpt.isascii() else excerpt.encode("utf-8", "replace").decode("utf-8")
