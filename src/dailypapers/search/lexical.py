"""The lexical half: a tantivy BM25 index of titles, abstracts and author names.

Titles weigh more than abstracts (a paper is about what its title says), and filters (dates,
categories, organization, code) are indexed fields so a filtered query still only scores matches.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import tantivy

from dailypapers.search.backends.base import SearchFilters

log = logging.getLogger(__name__)

# Bump when the schema or the analysis changes: an index of another version is rebuilt.
SCHEMA_VERSION = 1
TITLE_BOOST = 3.0
AUTHORS_BOOST = 1.5
WRITER_HEAP_BYTES = 128_000_000
_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class LexicalDoc:
    paper_id: str
    title: str
    abstract: str
    authors: list[str]
    categories: list[str]
    organizations: list[str]
    has_code: bool
    published: dt.date | None


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("paper_id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=False, tokenizer_name="en_stem")
    builder.add_text_field("abstract", stored=False, tokenizer_name="en_stem")
    builder.add_text_field("authors", stored=False, tokenizer_name="default")
    builder.add_text_field("category", stored=False, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("organization", stored=False, tokenizer_name="raw", index_option="basic")
    builder.add_unsigned_field("has_code", indexed=True, fast=True)
    # Days since 1970-01-01; papers without a date are left out of any date-filtered search.
    builder.add_integer_field("published_day", indexed=True, fast=True)
    return builder.build()


class LexicalIndex:
    """One tantivy index directory plus ``manifest.json`` (schema version and committed doc count).

    The manifest is written after each commit; an index whose doc count disagrees with it, or whose
    schema version is older, reports ``consistent=False`` and the backend rebuilds it.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.schema = _schema()
        self.index = self._open()
        self._writer = None

    # opening ---------------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    def read_manifest(self) -> dict:
        try:
            return json.loads(self.manifest_path.read_text())
        except (OSError, ValueError):
            return {}

    def _open(self) -> tantivy.Index:
        manifest = self.read_manifest()
        if manifest and manifest.get("schema_version") != SCHEMA_VERSION:
            log.warning("lexical index at %s has schema %s, expected %s: starting a new one",
                        self.path, manifest.get("schema_version"), SCHEMA_VERSION)
            self._wipe()
        try:
            return tantivy.Index(self.schema, path=str(self.path), reuse=True)
        except ValueError as exc:
            # Unreadable (a crash mid-write of the meta file, a foreign directory): start over.
            log.warning("lexical index at %s unreadable (%s): starting a new one", self.path, exc)
            self._wipe()
            return tantivy.Index(self.schema, path=str(self.path), reuse=True)

    def _wipe(self) -> None:
        for child in self.path.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()

    # reading ---------------------------------------------------------------------------
    def searcher(self) -> tantivy.Searcher:
        self.index.reload()  # picks up commits made by the worker process
        return self.index.searcher()

    def num_docs(self) -> int:
        return self.searcher().num_docs

    def consistent(self) -> bool:
        manifest = self.read_manifest()
        return manifest.get("schema_version") == SCHEMA_VERSION and manifest.get("num_docs") == self.num_docs()

    def _filter_queries(self, filters: SearchFilters) -> list[tantivy.Query]:
        queries = []
        if filters.category:
            queries.append(tantivy.Query.term_query(self.schema, "category", filters.category))
        if filters.organization:
            queries.append(tantivy.Query.term_query(self.schema, "organization", filters.organization))
        if filters.has_code:
            queries.append(tantivy.Query.term_query(self.schema, "has_code", 1))
        if filters.published_from or filters.published_to:
            queries.append(
                tantivy.Query.range_query(
                    self.schema,
                    "published_day",
                    tantivy.FieldType.Integer,
                    (filters.published_from - _EPOCH).days if filters.published_from else None,
                    (filters.published_to - _EPOCH).days if filters.published_to else None,
                )
            )
        return queries

    def build_query(self, terms: list[str], filters: SearchFilters) -> tantivy.Query | None:
        """Any of the terms in title/abstract/authors (BM25 ranks), all of the filters."""
        if not terms:
            return None
        # Terms are \w+ words (see search.query.query_terms), so joining them cannot form syntax;
        # lower case keeps AND/OR/NOT from being read as operators.
        text_query = self.index.parse_query(
            " ".join(terms),
            ["title", "abstract", "authors"],
            field_boosts={"title": TITLE_BOOST, "authors": AUTHORS_BOOST},
        )
        filter_queries = self._filter_queries(filters)
        if not filter_queries:
            return text_query
        return tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, text_query)] + [(tantivy.Occur.Must, q) for q in filter_queries]
        )

    def search(self, terms: list[str], filters: SearchFilters, limit: int) -> tuple[list[tuple[str, float]], int]:
        """``([(paper_id, bm25), ...], number of matching papers)``."""
        query = self.build_query(terms, filters)
        if query is None:
            return [], 0
        searcher = self.searcher()
        result = searcher.search(query, limit=limit, count=True)
        hits = [(searcher.doc(address)["paper_id"][0], score) for score, address in result.hits]
        return hits, result.count or 0

    def matching_ids(self, paper_ids: list[str], filters: SearchFilters) -> set[str]:
        """Those of ``paper_ids`` that pass ``filters`` (vector hits are filtered this way)."""
        filter_queries = self._filter_queries(filters)
        if not paper_ids or not filter_queries:
            return set(paper_ids)
        ids_query = tantivy.Query.term_set_query(self.schema, "paper_id", list(paper_ids))
        query = tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in [ids_query, *filter_queries]])
        searcher = self.searcher()
        result = searcher.search(query, limit=len(paper_ids), count=False)
        return {searcher.doc(address)["paper_id"][0] for _, address in result.hits}

    def contains(self, paper_id: str) -> bool:
        searcher = self.searcher()
        query = tantivy.Query.term_query(self.schema, "paper_id", paper_id)
        return bool(searcher.search(query, limit=1).hits)

    # writing ---------------------------------------------------------------------------
    def _document(self, doc: LexicalDoc) -> tantivy.Document:
        fields = {
            "paper_id": [doc.paper_id],
            "title": [doc.title],
            "abstract": [doc.abstract],
            "authors": doc.authors or [""],
            "has_code": [1 if doc.has_code else 0],
        }
        if doc.categories:
            fields["category"] = doc.categories
        if doc.organizations:
            fields["organization"] = doc.organizations
        if doc.published:
            fields["published_day"] = [(doc.published - _EPOCH).days]
        return tantivy.Document.from_dict(fields, self.schema)

    def writer(self):
        if self._writer is None:
            # One writer per index across processes (tantivy holds a lock file); 1 thread keeps
            # the worker from taking both cores away from the web process.
            self._writer = self.index.writer(heap_size=WRITER_HEAP_BYTES, num_threads=1)
        return self._writer

    def upsert(self, docs: list[LexicalDoc], deleted_ids: list[str] = ()) -> None:
        writer = self.writer()
        for paper_id in [*deleted_ids, *(d.paper_id for d in docs)]:
            writer.delete_documents_by_term("paper_id", paper_id)
        for doc in docs:
            writer.add_document(self._document(doc))

    def delete_all(self) -> None:
        self.writer().delete_all_documents()

    def commit(self) -> None:
        if self._writer is None:
            return
        self._writer.commit()
        self._writer.wait_merging_threads()
        self._writer = None  # releases the lock file for other processes
        self.index.reload()
        self._write_manifest({"schema_version": SCHEMA_VERSION, "num_docs": self.index.searcher().num_docs})

    def rollback(self) -> None:
        if self._writer is not None:
            self._writer.rollback()
            self._writer = None

    def _write_manifest(self, manifest: dict) -> None:
        tmp = self.manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(manifest))
        os.replace(tmp, self.manifest_path)

    def close(self) -> None:
        self.rollback()
