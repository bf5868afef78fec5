"""Readers for public retrieval test collections of scientific text, in the formats their public
copies are published in (see bench/README.md for where each copy lives and its licence).

Every reader returns a :class:`Collection`: documents (title, text, author names), queries per split
and graded judgements per split (``{query id: {doc id: gain}}``, gain > 0 = relevant). Nothing is
downloaded: each reader takes the directory the files were put in.

- ``beir``: the BEIR layout (``corpus.jsonl``, ``queries.jsonl``, ``qrels/<split>.tsv``) — any BEIR
  set (SciFact, NFCorpus, SCIDOCS, TREC-COVID) copied from a public repository.
- ``scifact``: the SciFact release as CSV (``corpus_train.csv``, ``claims_train.csv``,
  ``claims_validation.csv``; the allenai/scifact data as the Hugging Face ``scifact`` dataset ships it).
  Splits as BEIR made them: ``train`` = the training claims (809), ``test`` = the validation
  claims (300), relevant = each claim's ``cited_doc_ids`` (BEIR's 919 / 339 judgements).
- ``med``, ``cran``, ``cisi``, ``cacm``: the classic SMART/Glasgow collections (Medline, Cranfield
  aeronautics, CISI information science, CACM computing) in their ``.I/.T/.A/.W`` files.
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Doc:
    title: str
    text: str
    authors: list[str] = field(default_factory=list)


@dataclass
class Collection:
    name: str
    docs: dict[str, Doc]
    queries: dict[str, dict[str, str]]  # split -> {query id: text}
    qrels: dict[str, dict[str, dict[str, int]]]  # split -> {query id: {doc id: gain}}

    def judged(self, split: str) -> list[tuple[str, str, dict[str, int]]]:
        """(query id, text, judgements) of ``split`` for the queries with a relevant document here."""
        out = []
        for qid, text in self.queries.get(split, {}).items():
            rel = {d: g for d, g in self.qrels.get(split, {}).get(qid, {}).items() if g > 0 and d in self.docs}
            if rel and text.strip():
                out.append((qid, text, rel))
        return out


# -- BEIR ------------------------------------------------------------------------------------
def read_beir(path: Path, name: str = "beir") -> Collection:
    path = Path(path)
    docs = {}
    with open(path / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                docs[str(row["_id"])] = Doc(row.get("title") or "", row.get("text") or "")
    texts = {}
    with open(path / "queries.jsonl", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                texts[str(row["_id"])] = row["text"]
    queries, qrels = {}, {}
    for tsv in sorted((path / "qrels").glob("*.tsv")):
        split = tsv.stem
        judged: dict[str, dict[str, int]] = defaultdict(dict)
        with open(tsv, encoding="utf-8") as f:
            for row in csv.reader(f, delimiter="\t"):
                if len(row) < 3 or row[0] == "query-id":
                    continue
                judged[row[0].strip()][row[1].strip()] = int(float(row[2]))
        qrels[split] = dict(judged)
        queries[split] = {q: texts[q] for q in judged if q in texts}
    return Collection(name, docs, queries, qrels)


# -- SciFact (CSV release) -----------------------------------------------------------------
def _scifact_abstract(cell: str) -> str:
    # The abstract is a printed numpy array of sentences: "['First.'\n 'Second.']".
    sentences = re.findall(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"", cell)
    return " ".join(a or b for a, b in sentences) if sentences else cell


def read_scifact(path: Path, name: str = "scifact") -> Collection:
    path = Path(path)
    csv.field_size_limit(1 << 24)
    docs = {}
    with open(path / "corpus_train.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            docs[row["doc_id"]] = Doc(row["title"], _scifact_abstract(row["abstract"]))
    queries, qrels = {}, {}
    for split, file in (("train", "claims_train.csv"), ("test", "claims_validation.csv")):
        queries[split], qrels[split] = {}, {}
        with open(path / file, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                queries[split][row["id"]] = row["claim"]
                qrels[split][row["id"]] = {d: 1 for d in row["cited_doc_ids"].strip("[]").split()}
    return Collection(name, docs, queries, qrels)


# -- SMART / Glasgow collections -------------------------------------------------------------
_FIELD = re.compile(r"^\.([A-Z])(?:\s+(\S+))?\s*$")


def _smart_records(file: Path) -> list[tuple[str, dict[str, list[str]]]]:
    """(.I id, {field letter: lines}) of a SMART file."""
    records: list[tuple[str, dict[str, list[str]]]] = []
    current = None
    for line in file.read_text(encoding="latin-1").splitlines():
        match = _FIELD.match(line)
        if match and match.group(1) == "I":
            records.append((match.group(2), {}))
            current = None
        elif match and records:
            current = records[-1][1].setdefault(match.group(1), [])
        elif current is not None:
            current.append(line)
    return records


def _joined(lines: list[str]) -> str:
    return " ".join(" ".join(lines).split())


def _smart_authors(lines: list[str]) -> list[str]:
    """"Perlis, A. J." lines as "A. J. Perlis" (forenames first, as arXiv lists names)."""
    names = []
    for line in lines:
        for part in re.split(r"\s+and\s+|;", line):
            part = part.strip()
            if not part:
                continue
            if "," in part:
                surname, forenames = (p.strip() for p in part.split(",", 1))
                part = f"{forenames} {surname}".strip()
            names.append(" ".join(part.split()))
    return names


def _smart_docs(file: Path, *, title_in_text: bool = False) -> dict[str, Doc]:
    docs = {}
    for doc_id, fields in _smart_records(file):
        title, text = _joined(fields.get("T", [])), _joined(fields.get("W", []))
        if title_in_text and not title:
            # Medline: the .W field's first lines (up to the indented abstract) are the title.
            lines = fields.get("W", [])
            cut = next((i for i, line in enumerate(lines) if line.startswith("  ")), len(lines))
            title, text = _joined(lines[:cut]), _joined(lines[cut:])
        docs[doc_id] = Doc(title.rstrip(" ."), text, _smart_authors(fields.get("A", [])))
    return docs


def _smart_queries(file: Path, sequential: bool = False) -> dict[str, str]:
    """Query texts by id; Cranfield's judgements number queries 1..n in file order, not by .I."""
    out = {}
    for i, (qid, fields) in enumerate(_smart_records(file), start=1):
        out[str(i) if sequential else str(int(qid))] = _joined(fields.get("W", []))
    return out


def _rel_file(file: Path, gain) -> dict[str, dict[str, int]]:
    judged: dict[str, dict[str, int]] = defaultdict(dict)
    for line in file.read_text(encoding="latin-1").splitlines():
        parts = line.split()
        if len(parts) >= 2:
            qid, doc, g = gain(parts)
            if g > 0:
                judged[str(int(qid))][str(int(doc))] = g
    return dict(judged)


def read_med(path: Path, name: str = "med") -> Collection:
    path = Path(path)
    docs = _smart_docs(path / "MED.ALL", title_in_text=True)
    qrels = _rel_file(path / "MED.REL", lambda p: (p[0], p[-2], int(p[-1])))  # "qid [0] doc 1"
    return Collection(name, docs, {"test": _smart_queries(path / "MED.QRY")}, {"test": qrels})


def read_cran(path: Path, name: str = "cran") -> Collection:
    path = Path(path)
    docs = _smart_docs(path / "cran.all.1400")
    # Cleverdon's codes: 1 = complete answer .. 4 = minimum interest (-1: none) -> gains 4 .. 1.
    qrels = _rel_file(path / "cranqrel", lambda p: (p[0], p[1], 5 - int(p[2]) if 1 <= int(p[2]) <= 4 else 0))
    return Collection(name, docs, {"test": _smart_queries(path / "cran.qry", sequential=True)}, {"test": qrels})


def read_cisi(path: Path, name: str = "cisi") -> Collection:
    path = Path(path)
    docs = _smart_docs(path / "CISI.ALL")
    qrels = _rel_file(path / "CISI.REL", lambda p: (p[0], p[1], 1))
    return Collection(name, docs, {"test": _smart_queries(path / "CISI.QRY")}, {"test": qrels})


def read_cacm(path: Path, name: str = "cacm") -> Collection:
    path = Path(path)
    docs = _smart_docs(path / "cacm.all")
    qrels = _rel_file(path / "qrels.text", lambda p: (p[0], p[1], 1))
    return Collection(name, docs, {"test": _smart_queries(path / "query.text")}, {"test": qrels})


READERS = {"beir": read_beir, "scifact": read_scifact, "med": read_med, "cran": read_cran, "cisi": read_cisi, "cacm": read_cacm}


def read(kind: str, path: Path, name: str | None = None) -> Collection:
    if kind not in READERS:
        raise ValueError(f"unknown collection kind {kind!r}; one of {', '.join(READERS)}")
    return READERS[kind](Path(path), name or kind)


# -- known-item queries generated from a collection's own titles and authors -------------------
GENERATED_PER_CLASS = 30
GENERATION_SEED = 24
PREFIX_WORDS = (3, 5)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def known_item_queries(collection: Collection, per_class: int = GENERATED_PER_CLASS, seed: int = GENERATION_SEED) -> list[dict]:
    """Queries of the shapes readers also type, drawn from a seeded random subset of the collection:
    ``title`` (a document's exact title: relevant, every document with that title), ``title_prefix``
    (its first 3-5 words: every document whose title starts with them) and, where documents name
    their authors, ``author`` (a surname: every document with an author of that surname). None of
    the fusion's parameters or rules was chosen on these."""
    rng = random.Random(seed)
    titled = sorted((d, doc.title) for d, doc in collection.docs.items() if len(_words(doc.title)) >= 4)
    by_words: dict[tuple, set[str]] = defaultdict(set)
    for d, title in titled:
        by_words[tuple(_words(title))].add(d)
    out = []
    for _d, title in rng.sample(titled, min(per_class, len(titled))):
        out.append({"class": "title", "query": title, "relevant": {x: 1 for x in by_words[tuple(_words(title))]}})
    for _d, title in rng.sample(titled, min(per_class, len(titled))):
        words = title.split()
        prefix = " ".join(words[: min(rng.randint(*PREFIX_WORDS), len(words) - 1)])
        start = _words(prefix)
        relevant = {x: 1 for x, t in titled if _words(t)[: len(start)] == start}
        out.append({"class": "title_prefix", "query": prefix, "relevant": relevant})
    by_surname: dict[str, set[str]] = defaultdict(set)
    for d, doc in collection.docs.items():
        for name in doc.authors:
            surname = name.split()[-1] if name.split() else ""
            if len(surname) > 2 and surname.isalpha():
                by_surname[surname.lower()].add(d)
    if len(by_surname) >= per_class:
        surnames = rng.sample(sorted(by_surname), per_class)
        out += [{"class": "author", "query": s.capitalize(), "relevant": {x: 1 for x in by_surname[s]}} for s in surnames]
    # ``author_name``: forenames and surname as the collection lists them ("A. J. Perlis"): every
    # document of that person (same name, case aside). Drawn from its own random.Random.
    by_name: dict[str, set[str]] = defaultdict(set)
    spelled: dict[str, str] = {}
    for d, doc in collection.docs.items():
        for name in doc.authors:
            parts = name.split()
            if len(parts) >= 2 and len(parts[-1]) > 2 and parts[-1].isalpha():
                by_name[name.lower()].add(d)
                spelled.setdefault(name.lower(), name)
    if len(by_name) >= per_class:
        names = random.Random(seed + 1).sample(sorted(by_name), per_class)
        out += [{"class": "author_name", "query": spelled[n], "relevant": {x: 1 for x in by_name[n]}} for n in names]
    return out
