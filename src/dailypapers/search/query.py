"""What a query's text means to the backends: its terms, its keywords, its initials.

Request parameters (limits, filters, modes) are read in :mod:`dailypapers.search.params`.
"""

from __future__ import annotations

import re

# More terms than this add nothing to ranking but cost time in every index.
MAX_QUERY_TERMS = 32

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
