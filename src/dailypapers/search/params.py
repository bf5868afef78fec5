"""Search request parameters, read one way for every caller: the search page, the suggestions box,
the native API, the Hugging Face–compatible API and the search feed.

Each caller is a :class:`SearchParams` that declares what it reads (its limits, whether it pages,
filters or takes a mode, and what becomes of text over :data:`MAX_QUERY_CHARS`); ``parse`` turns a
request's ``GET`` into a :class:`SearchQuery` or raises :class:`InvalidSearch`, whose message names
the parameter and what is allowed. So a filter, a limit or a message changes in one place for all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dailypapers.lib.params import BadParameter, int_param
from dailypapers.papers.identifiers import is_category, is_organization_slug
from dailypapers.papers.periods import BadPeriod, parse_day
from dailypapers.search.backends.base import MAX_LIMIT, MAX_OFFSET, MAX_QUERY_CHARS, MODES, SearchFilters, SearchQuery

TRUE_VALUES = frozenset({"1", "true", "on", "yes"})
FALSE_VALUES = frozenset({"", "0", "false", "off", "no"})


class InvalidSearch(ValueError):
    """Input that cannot be searched; the message is shown to the person (HTTP 400). ``parameter``
    names the offending parameter, for callers that answer some differently (the feed's ``q``)."""

    def __init__(self, message: str, parameter: str = ""):
        super().__init__(message)
        self.parameter = parameter


def clean_text(text: str) -> str:
    """Whitespace-normalised query text (not yet cut)."""
    return " ".join((text or "").split())


def _int(params, name: str, default: int, low: int, high: int) -> int:
    try:
        return int_param(params, name, default, low, high)
    except BadParameter as exc:
        raise InvalidSearch(str(exc), name) from None


def _date(params, name: str) -> dt.date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return parse_day(raw, name)
    except BadPeriod as exc:
        raise InvalidSearch(str(exc), name) from None


def filters_from_params(params, date_names: tuple[str, str] = ("from", "to")) -> SearchFilters:
    """The filters of a search request: ``category``, ``organization``, ``has_code`` and the two
    publication dates (``from``/``to`` on pages and feeds, ``published_from``/``published_to`` in
    the native API, as its other listings name them)."""
    category = (params.get("category") or "").strip()
    if category and not is_category(category):
        raise InvalidSearch("category must look like cs.CL", "category")
    organization = (params.get("organization") or "").strip()
    if organization and not is_organization_slug(organization):
        raise InvalidSearch("organization must be an organization's slug", "organization")
    has_code = (params.get("has_code") or "").strip().lower()
    if has_code not in TRUE_VALUES | FALSE_VALUES:
        raise InvalidSearch("has_code must be true or false", "has_code")
    from_name, to_name = date_names
    published_from, published_to = _date(params, from_name), _date(params, to_name)
    if published_from and published_to and published_from > published_to:
        raise InvalidSearch(f"{from_name} must not be after {to_name}", from_name)
    return SearchFilters(
        published_from=published_from,
        published_to=published_to,
        category=category,
        organization=organization,
        has_code=has_code in TRUE_VALUES,
    )


@dataclass(frozen=True)
class SearchParams:
    """What one caller reads from a request; parameters it does not read are ignored."""

    default_limit: int = 20
    max_limit: int = MAX_LIMIT
    reads_limit: bool = True  # else every search returns ``default_limit`` hits
    reads_offset: bool = True  # ``offset``, or ``page`` (1-based, in pages of ``limit``)
    reads_filters: bool = True
    reads_mode: bool = True
    # Pages cut longer text (people paste abstracts into search boxes); APIs and feeds refuse it,
    # as the Hugging Face papers API does.
    cuts_long_text: bool = True
    date_names: tuple[str, str] = ("from", "to")

    def __post_init__(self):
        if not 1 <= self.default_limit <= self.max_limit <= MAX_LIMIT:
            raise ValueError(f"limits must satisfy 1 <= default <= max <= {MAX_LIMIT}")

    def parse(self, params) -> SearchQuery:
        """A :class:`SearchQuery` from request parameters (text may be empty: each caller says what
        a search without words shows); raises :class:`InvalidSearch` with the reason."""
        text = clean_text(params.get("q") or "")
        if len(text) > MAX_QUERY_CHARS:
            if not self.cuts_long_text:
                raise InvalidSearch(f"q must be at most {MAX_QUERY_CHARS} characters", "q")
            text = text[:MAX_QUERY_CHARS].strip()
        limit = _int(params, "limit", self.default_limit, 1, self.max_limit) if self.reads_limit else self.default_limit
        offset = 0
        if self.reads_offset:
            if "page" in params and "offset" not in params:
                offset = (_int(params, "page", 1, 1, MAX_OFFSET // limit + 1) - 1) * limit
            else:
                offset = _int(params, "offset", 0, 0, MAX_OFFSET)
        mode = "hybrid"
        if self.reads_mode:
            mode = (params.get("mode") or "hybrid").strip().lower()
            if mode not in MODES:
                raise InvalidSearch(f"mode must be one of {', '.join(MODES)}", "mode")
        filters = filters_from_params(params, self.date_names) if self.reads_filters else SearchFilters()
        spelling = (params.get("spelling") or "on").strip().lower()
        if spelling not in TRUE_VALUES | FALSE_VALUES - {""}:
            raise InvalidSearch("spelling must be on or off", "spelling")
        return SearchQuery(text=text, filters=filters, limit=limit, offset=offset, mode=mode, spelling=spelling in TRUE_VALUES)


# Every caller's limits, declared here once.
PAGE = SearchParams()
SUGGESTIONS = SearchParams(default_limit=6, max_limit=6, reads_limit=False)
NATIVE_API = SearchParams(max_limit=100, cuts_long_text=False, date_names=("published_from", "published_to"))
# The Hugging Face papers API: ``q`` and ``limit`` (1..120, default 50), nothing else.
HF_API = SearchParams(default_limit=50, max_limit=MAX_LIMIT, reads_offset=False, reads_filters=False, reads_mode=False, cuts_long_text=False)
# A saved search's feed: the page's filters and mode, its best 50 matches.
FEED = SearchParams(default_limit=50, max_limit=50, reads_limit=False, reads_offset=False, cuts_long_text=False)
