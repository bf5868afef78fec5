"""The one home of identifiers: paper ids (arXiv and source-prefixed), categories, organization slugs.

Every place that parses, validates or routes one of them (ingest, search, the APIs, digests, the
URLconf) uses this module, so what is imported is exactly what the URLs route and the filters
accept. No Django imports: benchmarks and tools use it without settings.

Paper ids
  * arXiv, new style: ``2406.01234`` (4- or 5-digit number), old style: ``hep-th/9901001``,
    ``math.GT/0309136``; stored without version. Members and sources also write them with a
    version (``v2``), an ``arXiv:`` prefix (any case), as arxiv.org / export.arxiv.org abs, pdf or
    html URLs (scheme optional, ``.pdf`` suffix, trailing slash, query or fragment) or as Hugging
    Face paper URLs (``huggingface.co/papers/2406.01234``): :func:`parse_arxiv_reference`.
  * Other sources: the source as a prefix, ``sample-3f2a9c01bd``, ``openreview-AbC123``, taken as
    written (no arXiv decoration applies to them): :func:`parse_paper_id` accepts both kinds.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import urlsplit

# --------------------------------------------------------------------------------------------
# Paper ids

# Canonical forms (as stored, without version). Fragments without anchors or groups, so URL
# patterns are built from the same text.
ARXIV_NEW_STYLE = r"\d{4}\.\d{4,5}"
ARXIV_OLD_STYLE = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}"
SOURCE_PREFIXED = r"[a-z][a-z0-9]*-[A-Za-z0-9._\-]{1,64}"
PAPER_ID_PATTERN = rf"(?:{ARXIV_NEW_STYLE}|{ARXIV_OLD_STYLE}|{SOURCE_PREFIXED})"
MAX_VERSION_DIGITS = 4  # arXiv versions are small; an unbounded one overflowed the integer column

_ARXIV_ID = re.compile(rf"{ARXIV_NEW_STYLE}|{ARXIV_OLD_STYLE}")
# The same, anchored, for a database's regex lookup (SQLite through Python's re, PostgreSQL's ~).
ARXIV_ID_REGEX = rf"^(?:{ARXIV_NEW_STYLE}|{ARXIV_OLD_STYLE})$"
_SOURCE_PREFIXED_ID = re.compile(SOURCE_PREFIXED)
# The form nearly every imported record has (a snapshot's 3M ids): checked first, cheaply.
_PLAIN_NEW_STYLE = re.compile(rf"({ARXIV_NEW_STYLE})(?:v(\d{{1,{MAX_VERSION_DIGITS}}}))?")
# Everything a person or a source may write for an arXiv paper: an id, optionally "arXiv:"-prefixed
# and versioned, or an arxiv.org URL of one, or a Hugging Face paper URL (which may go on past the
# id: huggingface.co/papers/2406.01234/community).
_ID_AND_VERSION = rf"""(?P<id>{ARXIV_NEW_STYLE}|[a-z][a-z\-]*(?:\.[a-z]{{2}})?/\d{{7}})  # old style in any case
    (?:v(?P<version>\d{{1,{MAX_VERSION_DIGITS}}}))?"""
_ARXIV_REFERENCES = (
    re.compile(
        rf"""\s*(?:(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/)?(?:arxiv:\s*)?
        {_ID_AND_VERSION}(?:\.pdf)?/?(?:[?#].*)?\s*""",
        re.IGNORECASE | re.VERBOSE,
    ),
    re.compile(
        rf"\s*(?:https?://)?(?:www\.)?huggingface\.co/papers/(?:arxiv:\s*)?{_ID_AND_VERSION}(?:[/?#].*)?\s*",
        re.IGNORECASE | re.VERBOSE,
    ),
)


class InvalidIdentifier(ValueError):
    """Text that is not the kind of identifier asked for; the message says why."""


class NotAnArxivId(InvalidIdentifier):
    """The text is neither an arXiv id nor an arxiv.org / Hugging Face paper URL."""


def parse_arxiv_reference(text: str) -> tuple[str, int | None]:
    """(id without version, version or None) for an arXiv id or paper URL in any accepted form.

    >>> parse_arxiv_reference("https://arxiv.org/pdf/2406.01234v2.pdf")
    ('2406.01234', 2)
    >>> parse_arxiv_reference("arXiv:HEP-TH/9901001")
    ('hep-th/9901001', None)
    """
    m = None
    if isinstance(text, str):
        for pattern in _ARXIV_REFERENCES:
            m = pattern.fullmatch(text)
            if m:
                break
    if not m:
        shown = text.strip()[:100] if isinstance(text, str) else text
        raise NotAnArxivId(f"{shown!r} is not an arXiv id or arxiv.org URL")
    paper_id = m.group("id")
    if "/" in paper_id:  # old style: the archive is lower case, the subject class upper case (math.GT)
        archive, number = paper_id.split("/")
        name, _, subject = archive.partition(".")
        paper_id = f"{name.lower()}{'.' + subject.upper() if subject else ''}/{number}"
    return paper_id, int(m.group("version")) if m.group("version") else None


def arxiv_id_in(text: str) -> str | None:
    """The arXiv id (without version) ``text`` refers to, or None: for search boxes, where a word
    like ``self-attention`` (a well-formed source-prefixed id) must stay a word."""
    try:
        return parse_arxiv_reference(text)[0]
    except NotAnArxivId:
        return None


# This site's own paper pages, on any host (the search box cannot know the one it is served from).
_SITE_PAPER_URL = re.compile(rf"(?:https?://[^/\s]+)?/papers/(?P<id>{PAPER_ID_PATTERN})/?(?:[?#]\S*)?")


def paper_reference_in(text: str) -> str | None:
    """The paper id a search box's ``text`` names, or None: an arXiv id or URL (:func:`arxiv_id_in`),
    this site's own ``/papers/<id>`` URL, or a source-prefixed id such as ``sample-3f2a9c01bd``.

    A source-prefixed id looks like a hyphenated word (``self-attention``), so callers treat it as
    a reference only when such a paper exists."""
    text = (text or "").strip()
    if paper_id := arxiv_id_in(text):
        return paper_id
    if m := _SITE_PAPER_URL.fullmatch(text):
        return m.group("id")
    if _SOURCE_PREFIXED_ID.fullmatch(text):
        return text
    return None


def parse_paper_id(value: object) -> tuple[str, int | None]:
    """(id without version, version or None) for an arXiv reference or a source-prefixed id."""
    if type(value) is str:
        m = _PLAIN_NEW_STYLE.fullmatch(value)
        if m:
            return m.group(1), int(m.group(2)) if m.group(2) else None
    if not isinstance(value, str) or not value.strip():
        raise InvalidIdentifier("missing id")
    try:
        return parse_arxiv_reference(value)
    except NotAnArxivId:
        pass
    if _SOURCE_PREFIXED_ID.fullmatch(value.strip()):
        return value.strip(), None
    raise InvalidIdentifier(f"bad id: {value[:80]!r} is neither an arXiv id nor a source-prefixed id")


def is_arxiv_id(paper_id: str) -> bool:
    """Whether a stored (canonical, unversioned) paper id is an arXiv one."""
    return bool(_ARXIV_ID.fullmatch(paper_id))


def is_paper_id(paper_id: str) -> bool:
    """Whether ``paper_id`` is a canonical paper id, as stored and as the URLs route it."""
    return bool(_ARXIV_ID.fullmatch(paper_id) or _SOURCE_PREFIXED_ID.fullmatch(paper_id))


# Preprint servers other than arXiv, whose papers' ids are prefixed with the server's name.
PREPRINT_SERVERS = {"biorxiv": "bioRxiv", "medrxiv": "medRxiv"}
SERVERS = {"arxiv": "arXiv", **PREPRINT_SERVERS}  # what the listings' ``server`` filter accepts
BIORXIV_DOI_PREFIX = "10.1101"  # bioRxiv's and medRxiv's DOIs (10.64898 too since 2026)
_DOI = re.compile(r"10\.\d{4,9}/[A-Za-z0-9._\-]{1,60}")


def preprint_paper_id(server: str, doi: str) -> str:
    """The id of a bioRxiv/medRxiv paper: the server and its DOI, which no arXiv id can equal.

    ``10.1101/2024.01.15.575123`` on bioRxiv is ``biorxiv-2024.01.15.575123``; a DOI with another
    prefix keeps it (``10.64898/2026.07.31.741992`` is ``biorxiv-10.64898-2026.07.31.741992``: a DOI
    prefix has no "-", the 10.1101 suffixes have none either, so no two DOIs share an id).
    Raises InvalidIdentifier for an unknown server or a DOI of another shape."""
    doi = (doi or "").strip()
    if server not in PREPRINT_SERVERS:
        raise InvalidIdentifier(f"unknown preprint server {server[:20]!r} (one of: {', '.join(PREPRINT_SERVERS)})")
    if not _DOI.fullmatch(doi):
        raise InvalidIdentifier(f"bad DOI: {doi[:80]!r}")
    prefix, _, suffix = doi.partition("/")
    paper_id = f"{server}-{suffix}" if prefix == BIORXIV_DOI_PREFIX else f"{server}-{prefix}-{suffix}"
    if not _SOURCE_PREFIXED_ID.fullmatch(paper_id):
        raise InvalidIdentifier(f"bad DOI: {doi[:80]!r}")
    return paper_id


# A bioRxiv/medRxiv paper as members paste it: its page (any version, .full, .full.pdf), its DOI
# (bare, "doi:" or a doi.org link; bioRxiv's and medRxiv's prefixes only).
_PREPRINT_PAGE = re.compile(
    r"\s*(?:https?://)?(?:www\.)?(?P<server>biorxiv|medrxiv)\.org/content/(?:early/\d{4}/\d{2}/\d{2}/)?"
    r"(?P<doi>10\.\d{4,9}/[0-9.]+?)(?:v\d{1,4})?(?:\.full(?:\.pdf)?|\.abstract|\.article-info)?/?(?:[?#].*)?\s*",
    re.IGNORECASE,
)
_PREPRINT_DOI = re.compile(r"\s*(?:doi:\s*|(?:https?://)?(?:dx\.)?doi\.org/)?(?P<doi>10\.(?:1101|64898)/[0-9.]+?)(?:v\d{1,4})?\s*",
                           re.IGNORECASE)  # fmt: skip


def parse_preprint_reference(text: str) -> tuple[str | None, str] | None:
    """(server or None when a bare DOI does not say, DOI) for a bioRxiv/medRxiv page or DOI; else None."""
    if not isinstance(text, str):
        return None
    if m := _PREPRINT_PAGE.fullmatch(text):
        return m.group("server").lower(), m.group("doi").rstrip(".")
    if m := _PREPRINT_DOI.fullmatch(text):
        return None, m.group("doi").rstrip(".")
    return None


def server_of(paper_id: str) -> str:
    """Which server a stored paper id belongs to: "arxiv", "biorxiv", "medrxiv", or "" (another source)."""
    if _ARXIV_ID.fullmatch(paper_id):
        return "arxiv"
    prefix = paper_id.partition("-")[0]
    return prefix if prefix in PREPRINT_SERVERS else ""


def sample_paper_id(title: str) -> str:
    """The bundled demo data's id for a paper: ``sample-`` and a hash of its title (case and spacing ignored)."""
    return "sample-" + hashlib.sha1(" ".join(title.lower().split()).encode()).hexdigest()[:10]


# --------------------------------------------------------------------------------------------
# Categories (arXiv subject codes: cs.CL, hep-th, q-bio.BM, cond-mat.mes-hall)

CATEGORY_PATTERN = r"[A-Za-z][A-Za-z\-]*(?:\.[A-Za-z\-]+)?"
MAX_CATEGORY_CHARS = 40
_CATEGORY = re.compile(CATEGORY_PATTERN)


def is_category(text: str) -> bool:
    return len(text) <= MAX_CATEGORY_CHARS and bool(_CATEGORY.fullmatch(text))


# --------------------------------------------------------------------------------------------
# Organization slugs. Hugging Face organization names may contain dots, so slugs do; a slug
# starts with a letter or digit, so no slug is "." or ".." (which browsers would resolve away).

ORGANIZATION_SLUG_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}"
MAX_ORGANIZATION_SLUG_CHARS = 100
ORGANIZATION_SLUG_RULE = "letters, digits, '_', '-' and '.', starting with a letter or digit, at most 100"
_ORGANIZATION_SLUG = re.compile(ORGANIZATION_SLUG_PATTERN)


def is_organization_slug(text: str) -> bool:
    return bool(_ORGANIZATION_SLUG.fullmatch(text))


# --------------------------------------------------------------------------------------------
# Outside links (a paper's code and project pages, a member's website): http(s) with a real host.

# A URL's host: a DNS name (letters, digits, "-", "_", dots) or an IP address (v6 in brackets, which
# urlsplit has already checked); anything else in the netloc is an attempt to smuggle markup.
_URL_HOST = re.compile(r"[A-Za-z0-9_\-.]+|\[[0-9A-Fa-f:.]+\]")


def is_http_url(text: str) -> bool:
    """An http(s) URL with a host, as ``urlsplit`` parses it; no spaces or control characters."""
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in text):
        return False
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number in range
    except ValueError:
        return False
    host = parts.netloc.rpartition("@")[2]  # without user:password@
    host = host[: host.index("]") + 1] if host.startswith("[") else host.partition(":")[0]  # without :port
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and bool(_URL_HOST.fullmatch(host))


# --------------------------------------------------------------------------------------------
# URL path converter, built from the same pattern (registered by ``api.converters`` for django-ninja;
# the URLconf's re_path routes use the patterns above directly)


class PaperIdConverter:
    regex = PAPER_ID_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
