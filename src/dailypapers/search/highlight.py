"""Marking query words in titles and abstracts, for any backend.

Done here on the stored text rather than inside one engine so that lexical, vector-only and
PostgreSQL hits are highlighted the same way. Output is HTML-escaped text with ``<mark>`` tags.
"""

from __future__ import annotations

import re

from django.utils.html import escape

from dailypapers.papers.models import unaccented
from dailypapers.search.query import STOP_WORDS

ABSTRACT_FRAGMENT_CHARS = 320
_WORD = re.compile(r"\w+", re.UNICODE)


def _stem_key(word: str) -> str:
    """A crude stem: enough to mark "embeddings" for "embedding" and "learned" for "learning"; accents
    aside, as the indexes fold them ("Gödel" for "godel")."""
    word = unaccented(word.lower())
    return word[: max(4, len(word) - 3)] if len(word) > 4 else word


def _marked_spans(text: str, keys: set[str]) -> list[tuple[int, int]]:
    return [m.span() for m in _WORD.finditer(text) if _stem_key(m.group()) in keys]


def _render(text: str, spans: list[tuple[int, int]]) -> str:
    out, last = [], 0
    for start, end in spans:
        out.append(escape(text[last:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    out.append(escape(text[last:]))
    return "".join(out)


def highlight(text: str, terms: list[str], *, fragment_chars: int | None = None) -> str:
    """``text`` escaped, with words matching ``terms`` marked; cut to the densest fragment if asked."""
    # Stop words are not marked: the keyword half does not search for them either.
    keys = {_stem_key(t) for t in terms if t.lower() not in STOP_WORDS}
    spans = _marked_spans(text, keys) if keys else []
    if fragment_chars and len(text) > fragment_chars:
        start = 0
        if spans:
            # The window holding the most marks, starting at a word boundary.
            best = max(range(len(spans)), key=lambda i: sum(1 for s in spans[i:] if s[0] < spans[i][0] + fragment_chars))
            start = max(0, spans[best][0] - 40)
            space = text.rfind(" ", 0, start)
            start = space + 1 if start and space >= 0 else start
        end = min(len(text), start + fragment_chars)
        space = text.rfind(" ", start, end) if end < len(text) else -1
        end = space if space > start else end
        window = [(s - start, e - start) for s, e in spans if s >= start and e <= end]
        prefix = "… " if start > 0 else ""
        suffix = " …" if end < len(text) else ""
        return prefix + _render(text[start:end], window) + suffix
    return _render(text, spans)
