"""Keyphrases of a paper's title and abstract, offline: YAKE (``yake`` on PyPI), a statistical
extractor that needs no model and no corpus, at ~250 papers/s on one core of this machine
(docs/benchmarks.md, "Keywords"), so the 3M-paper back catalogue takes hours on one core, not days.

YAKE ranks overlapping n-grams next to each other ("production cross sections", "diphoton
production cross"); :func:`extract_keywords` keeps a phrase only when most of its words are new.
Formulas are dropped first: their symbols ("alpha", "Lambda") are not what a paper is about.
"""

from __future__ import annotations

import re
from functools import lru_cache

MAX_KEYWORDS = 6
# YAKE's candidates scanned for MAX_KEYWORDS that do not overlap.
_CANDIDATES = 20
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|\\\(.*?\\\)|\\\[.*?\\\]", re.DOTALL)
_URL = re.compile(r"\S*(?:https?://|www\.)\S*")
_TEX_COMMAND = re.compile(r"\\[A-Za-z]+\*?(?:\{([^{}]*)\})?")
_WORD = re.compile(r"[\w][\w'-]*")
# Verbs of abstracts' prose that YAKE takes for the head of a phrase ("discussed quantum deformations").
_PROSE_VERBS = {
    "report", "reports", "propose", "proposes", "proposed", "present", "presents", "presented", "discuss",
    "discussed", "show", "shows", "shown", "using", "use", "uses", "increasing", "introduce", "introduces",
    "introduced", "study", "studied", "achieve", "achieves", "achieving", "demonstrate", "demonstrates",
}  # fmt: skip


@lru_cache(maxsize=1)
def _extractor():
    import yake  # imported on first use: pages that only show keywords never load it

    return yake.KeywordExtractor(lan="en", n=3, top=_CANDIDATES, dedupLim=0.9)


def _clean(text: str) -> str:
    text = _MATH.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _TEX_COMMAND.sub(lambda m: m.group(1) or " ", text)
    return " ".join(text.replace("{", " ").replace("}", " ").split())


def _is_term(word: str) -> bool:
    """Written with a capital inside a part ("LHC", "BERT", "GaLore"; not "Content-Based")."""
    return any(any(c.isupper() for c in part[1:]) for part in word.split("-"))


def _shown(phrase: str) -> str:
    """Lower case, except acronyms and names (:func:`_is_term`)."""
    return " ".join(w if _is_term(w) else w.lower() for w in phrase.split())


def extract_keywords(title: str, abstract: str, limit: int = MAX_KEYWORDS) -> list[str]:
    """Up to ``limit`` keyphrases, best first; [] for a text with nothing to extract."""
    text = _clean(f"{title}. {abstract}")
    if len(_WORD.findall(text)) < 3:
        return []
    extractor = _extractor()
    chosen: list[str] = []
    seen_words: list[set[str]] = []
    for phrase, _score in extractor.extract_keywords(text):
        shown = _shown(phrase.strip(" -'"))
        tokens = _WORD.findall(shown)
        words = {w.lower() for w in tokens}
        if not words or len(shown) < 3 or all(w.isdigit() for w in words):
            continue
        # "lorentz and poincare", "evidence from china": two phrases glued by a stop word.
        if len(tokens) > 1 and (words & extractor.stopword_set or tokens[0].lower() in _PROSE_VERBS):
            continue
        # One plain word ("model", "data") says little unless it is a term: an acronym or name,
        # or a compound ("self-attention").
        if len(tokens) == 1 and not (shown != shown.lower() or "-" in shown):
            continue
        # A phrase sharing half its words with one kept already says nothing new.
        if any(len(words & earlier) * 2 >= len(words) for earlier in seen_words):
            continue
        chosen.append(shown)
        seen_words.append(words)
        if len(chosen) == limit:
            break
    return chosen
