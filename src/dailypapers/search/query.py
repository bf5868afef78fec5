"""What a query's text means to the backends: its terms, its keywords, its initials.

Request parameters (limits, filters, modes) are read in :mod:`dailypapers.search.params`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

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


# -- queries as people type them (issue 24) ---------------------------------------------------
# "Vaswani et al.", "Vaswani et al., 2017", "(Vaswani et al. 2017)": the name before "et al" is the
# paper's first author. "Vaswani 2017", "diffusion models 2023": a year at the end is the year the
# paper appeared. A year is a four-digit number from arXiv's first year to the next one.
_ET_AL = re.compile(r"^\(?\s*(?P<name>[^\W\d_][\w.'\-\s]*?)\s*,?\s+et\.?\s*al\b\.?\s*,?\s*(?P<rest>.*?)\)?\s*$", re.IGNORECASE)
_TRAILING_YEAR = re.compile(r"^(?P<rest>.*?\S)\s*[,(]?\s*(?P<year>(?:19|20)\d\d)\s*\)?\s*$")
FIRST_ARXIV_YEAR = 1991
# A name before "et al" is at most this many words ("van der Waals et al.", "J. R. R. Tolkien et al.").
ET_AL_MAX_NAME_WORDS = 4


@dataclass(frozen=True)
class ReadQuery:
    """What the reader's text asks for beside its words (:func:`read_query`)."""

    text: str  # the words to search for ("et al" and a recognised year taken out)
    first_author: str = ""  # a word of the first author's name, folded (``first_author_words``)
    year: int | None = None

    @property
    def constrained(self) -> bool:
        return bool(self.first_author) or self.year is not None


def _year(text: str) -> int | None:
    year = int(text)
    return year if FIRST_ARXIV_YEAR <= year <= dt.date.today().year + 1 else None


def read_query(text: str) -> ReadQuery:
    """The first author ("Surname et al.") and year ("Surname 2023", "Surname et al., 2023",
    "topic words 2023") a query names, and the words left to search for. Anything else reads as
    it is typed."""
    text = " ".join(text.split())
    first_author = ""
    if (m := _ET_AL.match(text)) and 1 <= len(name_words := query_terms(m.group("name"))) <= ET_AL_MAX_NAME_WORDS:
        # The surname is the name's last word of two letters or more ("A. Vaswani", "van der Waals").
        surname = next((w for w in reversed(name_words) if len(w) > 1 and not w.isdigit()), "")
        if surname:
            first_author = fold(surname)
            text = " ".join(part for part in (m.group("name"), m.group("rest")) if part)
    year = None
    if (m := _TRAILING_YEAR.match(text)) and (year := _year(m.group("year"))) is not None:
        rest = m.group("rest").rstrip(",( ")
        if query_terms(rest):
            text = rest
        else:
            year = None
    return ReadQuery(text=text, first_author=first_author, year=year)


def fold(word: str) -> str:
    """A word as the first-author filter compares it: lower case, accents folded (as
    ``papers.models.unaccented``)."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c)).lower()


def first_author_words(name: str) -> list[str]:
    """The words of a first author's name the filter matches (``Vaswani`` of "Ashish Vaswani",
    ``balazs`` of "C. Balázs"), folded as :func:`fold`."""
    return [w for w in (fold(t) for t in _TERM.findall(name)) if len(w) > 1]


def year_range(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


# A word before an arXiv id ("arxiv 2406.01234", "paper 2406.01234v2") says what the id is: the id
# alone is the reference.
def reference_text(text: str) -> str:
    """``text`` without a single word before an arXiv id or URL; else ``text`` as it is."""
    from dailypapers.papers.identifiers import arxiv_id_in

    parts = text.split(None, 1)
    if len(parts) == 2 and not arxiv_id_in(parts[0]) and arxiv_id_in(parts[1]):
        return parts[1]
    return text


# Keyboard mash ("asdfghjkl", "qwertyuiop", "zxcvbnm", "poiuytrewq", "asdfasdf"): a run of keys side by
# side on one row of the keyboard, or a short run typed again and again. Judged on the letters alone,
# so a mash is no query whatever words the corpus happens to hold. Of the 21k words of the 3,032 demo
# records' titles and abstracts, none has a run of KEYBOARD_RUN neighbouring keys but "ginqwerty"
# (the longest otherwise: "werewolves", "powertrain", 5), and none is a shorter run typed again
# ("asdfasdf", "jkljkl"; a repeated unit that is no run is a name: "Pingping", "Feifei").
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS = {(row[i], row[i + 1]) for row in _ROWS for i in range(len(row) - 1)}
_NEIGHBOURS |= {(b, a) for a, b in _NEIGHBOURS}
KEYBOARD_RUN = 6
_REPEATED_UNIT = re.compile(r"([a-z]{3,5})\1+")
# Words that are keyboard runs and words at once.
_LAYOUT_NAMES = frozenset({"qwerty", "qwertz", "azerty"})


def keyboard_run(word: str) -> int:
    """The longest run of letters of ``word`` typed on neighbouring keys of one keyboard row."""
    best = run = 1 if word else 0
    for a, b in zip(word, word[1:]):
        run = run + 1 if (a, b) in _NEIGHBOURS else 1
        best = max(best, run)
    return best


def is_mash(word: str) -> bool:
    """Whether ``word`` (lower case) reads as keys hit at random, not as a word or an acronym."""
    if not word.isalpha() or word in _LAYOUT_NAMES:
        return False
    if keyboard_run(word) >= KEYBOARD_RUN:
        return True
    repeated = _REPEATED_UNIT.fullmatch(word)
    return bool(repeated) and keyboard_run(unit := repeated.group(1)) == len(unit)


def without_mash(terms: list[str]) -> list[str]:
    """``terms`` without mash words ("asdfghjkl transformers" searches "transformers"); an empty
    list when every keyword is mash, which is then no query at all."""
    return [t for t in terms if not is_mash(t)]


# Questions as typed ("which schedule should I use when I keep pretraining a model?", "are there
# any papers about protein folding?"): a question's own words ask for papers, they are not what
# the papers are about. Beside the stop words (which the keyword half drops anyway), these words of
# asking are left out of both halves when the query reads as a question: starts with a question
# word or ends in "?".
QUESTION_STARTS = frozenset(
    "which what how why where who whom when is are was were can could should would do does did any anyone has have"
    " will shall may might recommend suggest".split()
)
QUESTION_SCAFFOLDING = frozenset(
    """paper papers article articles work works research study studies literature publication publications
    method methods approach approaches technique techniques way ways best good better recent
    find finding read reading use using used recommend recommended suggest suggested know looking look
    want need needs someone anyone something anything there exist exists existing available
    help tell show explain""".split()
)


def is_question(text: str, terms: list[str]) -> bool:
    return bool(terms) and (terms[0] in QUESTION_STARTS or text.rstrip().endswith("?"))


def question_terms(text: str, terms: list[str]) -> list[str]:
    """``terms`` without a question's words of asking (:data:`QUESTION_SCAFFOLDING`), when ``text``
    reads as a question and words of substance are left; else ``terms``."""
    if not is_question(text, terms):
        return terms
    kept = [t for t in terms if t not in QUESTION_SCAFFOLDING]
    return kept if keywords(kept) and set(keywords(kept)) - STOP_WORDS else terms
