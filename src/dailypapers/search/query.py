"""Turning what a person typed into a :class:`SearchQuery`, and refusing what cannot be searched.

Shared by the search page, the suggestions box and the JSON API so that all three accept and
reject exactly the same input.
"""

from __future__ import annotations

import datetime as dt
import re

from dailypapers.lib.params import BadParameter, int_param
from dailypapers.papers.identifiers import is_category, is_organization_slug
from dailypapers.search.backends.base import MAX_LIMIT, MAX_OFFSET, MAX_QUERY_CHARS, MODES, SearchFilters, SearchQuery

# More terms than this add nothing to ranking but cost time in every index.
MAX_QUERY_TERMS = 32
KNOWN_PARAMS = {"q", "limit", "offset", "page", "mode", "from", "to", "category", "organization", "has_code"}

_TERM = re.compile(r"\w+", re.UNICODE)


# Common English function words. They match nearly every abstract, so in a BM25 query they add
# almost nothing to the ranking (idf ~0) but make the engine walk the longest posting lists: at 3M
# papers they were most of the lexical half's time (README, "Search" benchmarks). The vector half
# still sees the whole query, where word order and function words do carry meaning.
STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers him his how i if in into is it its itself just me more most my no nor not of
    off on once only or other our ours out over own same she should so some such than that the their
    theirs them then there these they this those through to too under until up us very via was we were
    what when where which while who whom why will with would you your""".split()
)


class InvalidSearch(ValueError):
    """Input that cannot be searched; the message is shown to the person (HTTP 400)."""


def clean_text(text: str) -> str:
    """Whitespace-normalised query text, cut at :data:`MAX_QUERY_CHARS`."""
    return " ".join((text or "").split())[:MAX_QUERY_CHARS].strip()


def query_terms(text: str) -> list[str]:
    """The words of a query, lower-cased, without any query-language syntax.

    Backends build their own queries from these words, so quotes, colons, parentheses, wildcards
    and minus signs typed by people are never interpreted as syntax (and never raise).
    """
    return [t.lower() for t in _TERM.findall(text)][:MAX_QUERY_TERMS]


def keywords(terms: list[str]) -> list[str]:
    """The terms worth looking up in a keyword index: stop words and repeats dropped, unless the
    query is nothing but stop words ("to be or not to be" still searches for something)."""
    unique = list(dict.fromkeys(terms))
    return [t for t in unique if t not in STOP_WORDS] or unique


def initials(words: list[str]) -> list[str]:
    """The one-letter words of ``words`` (keywords) when there are others beside them: a name's
    initials ("C. Balázs", "F. R. Ferraro"), which both halves of a search treat as names."""
    return [w for w in words if len(w) == 1 and w.isalpha()] if len(words) > 1 else []


def _int_param(params, name: str, default: int, low: int, high: int) -> int:
    try:
        return int_param(params, name, default, low, high)
    except BadParameter as exc:
        raise InvalidSearch(str(exc)) from None


def _date_param(params, name: str) -> dt.date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidSearch(f"{name} must be a date as YYYY-MM-DD") from None


def filters_from_params(params) -> SearchFilters:
    category = (params.get("category") or "").strip()
    if category and not is_category(category):
        raise InvalidSearch("category must look like cs.CL")
    organization = (params.get("organization") or "").strip()
    if organization and not is_organization_slug(organization):
        raise InvalidSearch("organization must be an organization's slug")
    has_code_raw = (params.get("has_code") or "").strip().lower()
    if has_code_raw not in {"", "0", "1", "true", "false", "on", "off", "yes", "no"}:
        raise InvalidSearch("has_code must be true or false")
    published_from, published_to = _date_param(params, "from"), _date_param(params, "to")
    if published_from and published_to and published_from > published_to:
        raise InvalidSearch("from must not be after to")
    return SearchFilters(
        published_from=published_from,
        published_to=published_to,
        category=category,
        organization=organization,
        has_code=has_code_raw in {"1", "true", "on", "yes"},
    )


def query_from_params(params, *, default_limit: int = 20, strict: bool = False) -> SearchQuery:
    """A :class:`SearchQuery` from request parameters; raises :class:`InvalidSearch` with the reason.

    ``strict`` (the API) also refuses parameters it does not know, so typos in filter names do not
    silently return unfiltered results; pages ignore them, as browsers add their own.
    """
    if strict:
        unknown = sorted(set(params.keys()) - KNOWN_PARAMS)
        if unknown:
            raise InvalidSearch(f"unknown parameter(s): {', '.join(unknown)}; known: {', '.join(sorted(KNOWN_PARAMS))}")
    limit = _int_param(params, "limit", default_limit, 1, MAX_LIMIT)
    if "page" in params and "offset" not in params:
        page = _int_param(params, "page", 1, 1, MAX_OFFSET // limit + 1)
        offset = (page - 1) * limit
    else:
        offset = _int_param(params, "offset", 0, 0, MAX_OFFSET)
    mode = (params.get("mode") or "hybrid").strip().lower()
    if mode not in MODES:
        raise InvalidSearch(f"mode must be one of {', '.join(MODES)}")
    return SearchQuery(
        text=clean_text(params.get("q") or ""), filters=filters_from_params(params), limit=limit, offset=offset, mode=mode
    )
