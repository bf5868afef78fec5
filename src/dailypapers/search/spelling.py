"""Typos corrected from the index's own vocabulary ("contrastve represntation lerning").

Every backend keeps the words of its papers (titles, abstracts, author names; folded, lower case)
with the number of papers holding each (:func:`paper_words`, counted when a word first arrives
and recounted by a rebuild), and finds the words a few edits away from a typed one
(``IndexedSearchBackend._spelling_candidates``). This module decides, the same way for every
backend, which typed words are typos and what they stand for (:func:`corrections`): the noisy
channel of spelling correctors, a candidate's papers against the typed word's, each edit costing a
factor of :data:`EDIT_COST`. Both halves then search the corrected words; the reader is shown
"Did you mean …" with the corrected query, and may search the words as typed.

A word the papers lack is not always a typo: in a corpus of a few thousand papers most English
words are absent ("pictures", "equities", "raters"), and replacing them by the nearest corpus word
("mixtures", "entities", "rates") cost the judged description queries 0.02 nDCG@10. So a word of
an English word list (pyspellchecker's, 160k words from subtitles and books, no misspellings of
the usual kinds) is left as typed, whatever the corpus holds: only words of neither are corrected.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from functools import cache
from importlib import resources

from dailypapers.search.query import STOP_WORDS, fold

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Words shorter than this are neither corrected nor offered (acronyms: "moe", "dpo", "gan").
MIN_WORD_LETTERS = 4
MAX_WORD_LETTERS = 30
# The edits allowed by a typed word's length, as Lucene's and Elasticsearch's "AUTO" fuzziness:
# one edit in 4-6 letters, two from 7.
TWO_EDITS_FROM_LETTERS = 7
# A candidate replaces the typed word when its papers outnumber the typed word's (plus one) by this
# factor per edit: a word no paper has gives way to any word one edit away; a word the corpus has
# (a typo in a few abstracts, "lerning") only to one a thousand times commoner ("learning"), so
# rare real words ("gait" beside "gain") stay as typed.
EDIT_COST = 1000.0
# Candidates looked at per typed word: the commonest within reach of the automaton/trigrams.
CANDIDATES = 50


def words_of(text: str) -> set[str]:
    """The vocabulary words of ``text``: letters only, folded, :data:`MIN_WORD_LETTERS` or more."""
    return {w for w in (fold(m) for m in _WORD.findall(text or "")) if MIN_WORD_LETTERS <= len(w) <= MAX_WORD_LETTERS and w.isalpha()}


def paper_words(docs: Iterable) -> Counter:
    """Papers per word over ``docs`` (``LexicalDoc``: title, abstract, author names)."""
    counts: Counter = Counter()
    for doc in docs:
        counts.update(words_of(" ".join((doc.title, doc.abstract, *doc.authors))))
    return counts


def max_edits(word: str) -> int:
    if len(word) < MIN_WORD_LETTERS:
        return 0
    return 2 if len(word) >= TWO_EDITS_FROM_LETTERS else 1


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal-string-alignment distance (a swap of neighbours is one edit), or ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


@cache
def _stemmer():
    import Stemmer  # PyStemmer: the Snowball English stemmer, as the keyword indexes stem

    return Stemmer.Stemmer("english")


@cache
def english_words() -> frozenset[str]:
    """pyspellchecker's English word list (loaded once per process, ~0.3 s)."""
    with resources.files("spellchecker").joinpath("resources/en.json.gz").open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as text:
        return frozenset(json.load(text))


def correctable(word: str) -> bool:
    """Whether ``word`` (a query term) is one spelling looks at: letters, not a stop word, not an
    English word."""
    return word.isalpha() and word not in STOP_WORDS and max_edits(fold(word)) > 0 and fold(word) not in english_words()


def best_correction(word: str, papers: int, candidates: Iterable[tuple[str, int]]) -> str | None:
    """The word ``word`` (folded; ``papers`` papers hold it) stands for among ``candidates``
    ((word, papers) near it), or None when it stands for itself."""
    limit = max_edits(word)
    best, best_score = None, (math.log(papers + 1) if papers else -math.inf)
    candidates = [(c, n) for c, n in candidates if n > 0]
    stem = _stemmer().stemWord
    if any(stem(c) == stem(word) for c, _ in candidates):
        return None  # another form of a word the papers have ("chatbots" beside "chatbot"): the stemmed keyword half finds it
    for candidate, count in candidates:
        if candidate == word or candidate in STOP_WORDS:
            continue
        distance = edit_distance(word, candidate, limit)
        if distance > limit:
            continue
        score = math.log(count + 1) - distance * math.log(EDIT_COST)
        if score > best_score or (score == best_score and best is not None and candidate < best):
            best, best_score = candidate, score
    return best


def corrected_text(text: str, corrections: dict[str, str]) -> str:
    """``text`` with each corrected word (matched folded, whole words) replaced, the rest as typed."""

    def replace(m: re.Match) -> str:
        return corrections.get(fold(m.group(0)), m.group(0))

    return re.sub(r"\w+", replace, text)
