"""The embedded backend's vocabulary for spelling (:mod:`search.spelling`): a small tantivy index of
one document per word (the word and the papers holding it) beside the keyword index, so words a few
edits from a typed one are found by tantivy's Levenshtein automaton over its term dictionary, at any
vocabulary size, in a few milliseconds.

New words are added as papers are indexed, with the papers of their batch; a rebuild recounts
every word. A word whose papers are all gone stays until the next rebuild (its count is a hint, as
the corrector only compares counts).
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import tantivy

from dailypapers.search.manifest import ManifestMixin
from dailypapers.search.spelling import CANDIDATES

VERSION = 1
WRITER_HEAP_BYTES = 32_000_000


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("word", stored=True, tokenizer_name="raw")
    builder.add_unsigned_field("papers", stored=True, indexed=False, fast=True)
    return builder.build()


class VocabularyIndex(ManifestMixin):
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.schema = _schema()
        if self.read_manifest().get("version") not in (None, VERSION):
            self._wipe()
        try:
            self.index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        except ValueError:
            self._wipe()
            self.index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        self._writer = None
        self._pending: set[str] = set()  # words added since the last commit

    def _wipe(self) -> None:
        for child in self.path.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()

    def built(self) -> bool:
        """Whether words were ever committed here (a manifest is written by each commit)."""
        return bool(self.read_manifest())

    def searcher(self) -> tantivy.Searcher:
        self.index.reload()
        return self.index.searcher()

    def papers(self, words: list[str]) -> dict[str, int]:
        """Papers holding each of ``words`` (0 for a word not in the vocabulary)."""
        searcher = self.searcher()
        found = {}
        for word in dict.fromkeys(words):
            hits = searcher.search(tantivy.Query.term_query(self.schema, "word", word), limit=1, count=False).hits
            found[word] = searcher.doc(hits[0][1])["papers"][0] if hits else 0
        return found

    def near(self, word: str, edits: int) -> list[tuple[str, int]]:
        """The commonest words at most ``edits`` edits (a swap counting one) from ``word``."""
        searcher = self.searcher()
        query = tantivy.Query.fuzzy_term_query(self.schema, "word", word, distance=edits, transposition_cost_one=True)
        hits = searcher.search(query, limit=CANDIDATES, count=False, order_by_field="papers").hits
        return [(doc["word"][0], doc["papers"][0]) for doc in (searcher.doc(address) for _, address in hits)]

    def has_prefix(self, prefix: str, longer_than: int) -> bool:
        """Whether some word longer than ``longer_than`` letters starts with ``prefix``."""
        return any(len(term) > longer_than for term, _ in self.searcher().terms_with_prefix("word", prefix, limit=20))

    # writing ---------------------------------------------------------------------------
    def _document(self, word: str, papers: int) -> tantivy.Document:
        return tantivy.Document.from_dict({"word": [word], "papers": [papers]}, self.schema)

    def writer(self):
        if self._writer is None:
            self._writer = self.index.writer(heap_size=WRITER_HEAP_BYTES, num_threads=1)
        return self._writer

    def add(self, counts: Counter) -> None:
        """Words not in the vocabulary yet, with their papers (``spelling.paper_words``)."""
        if not counts:
            return
        searcher = self.searcher()
        new = [w for w in counts if w not in self._pending and not searcher.doc_freq("word", w)]
        writer = self.writer()
        for word in new:
            writer.add_document(self._document(word, counts[word]))
        self._pending.update(new)

    def replace_all(self, counts: Counter) -> None:
        """Every word counted anew (a rebuild)."""
        writer = self.writer()
        writer.delete_all_documents()
        for word, papers in counts.items():
            writer.add_document(self._document(word, papers))
        self._pending = set(counts)

    def commit(self) -> None:
        if self._writer is None:
            return
        self._writer.commit()
        self._writer.wait_merging_threads()
        self._writer = None
        self._pending = set()
        self.index.reload()
        self.write_manifest({"version": VERSION, "words": self.index.searcher().num_docs})

    def close(self) -> None:
        if self._writer is not None:
            self._writer.rollback()
            self._writer = None
