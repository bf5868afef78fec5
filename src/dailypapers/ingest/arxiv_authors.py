"""arXiv author strings (arXivRaw ``<authors>``, the snapshot's ``authors``) as ordered names.

arXiv stores authors as one free-text line, e.g.
``Irina Lupu (1), Jo\\"el Goossens (1) ((1) U.L.B., (2) ECE)``. Splitting it on commas and "and"
alone gets about one paper in six wrong (measured on arXiv's own test records, see
``tests/ingest/test_real_arxiv_records.py``): Oxford commas, affiliations in parentheses (with
commas, numbered references and a trailing key), collaboration prefixes, "Jr." after a comma.
This parser walks the line once, keeping parentheses whole, and converts TeX accents with
pylatexenc, so ``Jos\\'e A. Mu\\~noz`` and the ``arXiv`` format's structured
``<keyname>Muñoz</keyname><forenames>José A.</forenames>`` give the same name.

Pure functions, no Django: benchmarks and worker processes use them directly.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from pylatexenc.latex2text import LatexNodes2Text

SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
# Between two authors at the top level (outside parentheses): ", " / "; " (optionally followed by
# "and", the Oxford comma), " and ", " & ", and the colon after a collaboration's name.
_SEPARATOR = re.compile(r"\s*[,;:]\s*(?:(?:and|&)\s+)?|\s+(?:and|&)\s+", re.IGNORECASE)
_REFERENCE = re.compile(r"^\s*\d+(?:\s*(?:,|and|&)\s*\d+)*\s*$", re.IGNORECASE)  # "(1)", "(1,2)", "(1 and 3)"
_NUMBERED_KEY = re.compile(r"^\s*\(\d+\)")  # "((1) U.L.B., (2) ECE)"
_ET_AL = re.compile(r"^et\.?\s*al\.?$", re.IGNORECASE)
_latex = LatexNodes2Text(math_mode="verbatim", keep_comments=True)
# A TeX accent command written over a letter that is already accented (``G\\ábor``, as arXiv's own
# server emits from some records): pylatexenc reads ``\\ábor`` as one unknown macro and drops it,
# name and all ("G\\ábor Sz\\ékelyhidi" became "GSz"). The letter is what was meant: the backslash goes.
_STRAY_BACKSLASH = re.compile(r"\\(?=[^\W\d_a-zA-Z])")


class ParsedAuthor(NamedTuple):
    name: str
    affiliations: tuple[str, ...] = ()


@lru_cache(maxsize=100_000)  # names recur across papers; pylatexenc is slow
def tex_to_unicode(text: str) -> str:
    """TeX accents and letters (``\\'e``, ``{\\o}``, ``\\c{c}``) as Unicode; whitespace collapsed."""
    if "\\" in text or "{" in text:
        text = _latex.latex_to_text(_STRAY_BACKSLASH.sub("", text))
    return " ".join(text.split())


def _segments(line: str) -> list[tuple[str, list[str]]]:
    """(name text, parenthesized groups after it) for each top-level part of the line."""
    parts: list[tuple[str, list[str]]] = []
    name: list[str] = []
    groups: list[str] = []
    depth = 0
    group_start = 0
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "(":
            if depth == 0:
                group_start = i + 1
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                groups.append(line[group_start:i])
        elif depth == 0:
            m = _SEPARATOR.match(line, i)
            if m and m.end() > i and (ch in ",;:" or ch.isspace()):
                parts.append(("".join(name), groups))
                name, groups = [], []
                i = m.end()
                continue
            name.append(ch)
        i += 1
    if depth:  # unbalanced: keep what the open group held as an affiliation
        groups.append(line[group_start:])
    parts.append(("".join(name), groups))
    return parts


def _numbered_key(group: str) -> dict[str, str]:
    pieces = re.split(r"\((\d+)\)", group)
    return {num: text.strip(" ,;") for num, text in zip(pieces[1::2], pieces[2::2]) if text.strip(" ,;")}


@lru_cache(maxsize=50_000)
def parse_author_string(line: str) -> tuple[ParsedAuthor, ...]:
    """The authors of an arXiv author line, in order, each with its affiliations."""
    line = " ".join((line or "").split())
    if not line:
        return ()
    if "(" not in line:
        # No parentheses (most lines): the walk never leaves depth 0, where it splits wherever
        # _SEPARATOR matches first, scanning left to right, as re.split does, in C. Same result
        # (tests/ingest/test_real_recorded_pages.py checks both on every real line committed).
        return _authors([(text.strip(), []) for text in _SEPARATOR.split(line)], {})
    return _parsed_by_walk(line)


def _parsed_by_walk(line: str) -> tuple[ParsedAuthor, ...]:
    """:func:`parse_author_string` of a whitespace-collapsed line, by walking it (any line)."""
    key: dict[str, str] = {}
    raw: list[tuple[str, list[str]]] = []
    for text, groups in _segments(line):
        kept = []
        for group in groups:
            if _NUMBERED_KEY.match(group):
                key.update(_numbered_key(group))
            else:
                kept.append(group)
        raw.append((text.strip(), kept))
    return _authors(raw, key)


def _authors(raw: list[tuple[str, list[str]]], key: dict[str, str]) -> tuple[ParsedAuthor, ...]:
    """The named parts of a line, with their affiliations (``key``: a numbered affiliation list)."""
    authors: list[ParsedAuthor] = []
    for text, groups in raw:
        if text.lower() in SUFFIXES and authors:  # "G. David Forney, Jr." -> one name
            prev = authors[-1]
            authors[-1] = ParsedAuthor(f"{prev.name} {text}", prev.affiliations + tuple(groups))
            continue
        name = tex_to_unicode(text)
        if not any(ch.isalnum() for ch in name) or _ET_AL.match(name):
            continue  # punctuation left over (":", "."), "et al"
        affiliations: list[str] = []
        for group in groups:
            if _REFERENCE.match(group):
                affiliations += [key[n] for n in re.findall(r"\d+", group) if n in key]
            else:
                affiliations.append(group)
        authors.append(ParsedAuthor(name, tuple(tex_to_unicode(a) for a in affiliations if a.strip())))
    return tuple(authors)


def author_names(line: str) -> list[str]:
    """Just the names of :func:`parse_author_string`, in order."""
    return [a.name for a in parse_author_string(line)]


def structured_author_name(keyname: str | None, forenames: str | None = "", suffix: str | None = "") -> str:
    """The ``arXiv`` format's ``<keyname>/<forenames>/<suffix>`` (or the snapshot's
    ``authors_parsed`` triple) as the same name form :func:`author_names` gives."""
    parts = (tex_to_unicode(p or "") for p in (forenames, keyname, suffix))
    name = " ".join(p for p in parts if p)
    return name if any(ch.isalnum() for ch in name) else ""
