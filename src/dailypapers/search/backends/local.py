"""The embedded backend: tantivy (lexical) + faiss (vectors) in the data directory, fused by RRF."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np
from django.conf import settings
from django.db import transaction

from dailypapers.lib.pagecache import content_version
from dailypapers.papers.models import Paper
from dailypapers.search import vector_files
from dailypapers.search.backends.base import EmbedProgress, RebuildProgress, SearchFilters, SearchHit, SearchQuery
from dailypapers.search.backends.common import (
    FILTERED_OVERFETCH,
    INDEX_CHUNK,
    NO_LEXICAL_MATCHES,
    IndexedSearchBackend,
    lexical_docs,
    month_spans,
)
from dailypapers.search.embedder import paper_text, text_hash
from dailypapers.search.lexical import LexicalIndex, LexicalMatches
from dailypapers.search.models import PaperEmbedding, PendingIndexUpdate
from dailypapers.search.spelling import paper_words
from dailypapers.search.tasks import enqueue_unless_queued, update_search_index
from dailypapers.search.vectors import VectorIndex
from dailypapers.search.vocabulary import VocabularyIndex

log = logging.getLogger(__name__)
T = TypeVar("T")
U = TypeVar("U")

REPAIR_REQUEST_INTERVAL_S = 60.0
# Runs the keyword half of searches beside the semantic half (one thread per concurrent search).
_HALVES = ThreadPoolExecutor(max_workers=8, thread_name_prefix="search-half")


def in_parallel(background: Callable[[], T], foreground: Callable[[], U]) -> tuple[T, U]:
    """``(background(), foreground())``, the first run on a search thread while the second runs here.

    tantivy, onnxruntime and faiss release the GIL, so on two cores the keyword half of a hybrid
    search overlaps the query embedding and ANN search instead of adding to them.
    """
    future = _HALVES.submit(background)
    try:
        foreground_result = foreground()
    finally:
        background_result = future.result()
    return background_result, foreground_result


class LocalSearchBackend(IndexedSearchBackend):
    def __init__(self, root=None):
        super().__init__()
        self.root = (root or settings.DATA_DIR / "search")
        self.lexical = LexicalIndex(self.root / "lexical")
        self.vocabulary = VocabularyIndex(self.root / "vocabulary")
        self.vectors = VectorIndex(self.root / "vectors", self.embedder.name, self.embedder.dimensions)
        self._repair_requested_at = -REPAIR_REQUEST_INTERVAL_S
        self._upvoted_cache: tuple[int, list[tuple[str, int]]] | None = None

    # -- searching ---------------------------------------------------------------------------
    def _index_notices(self) -> list[str]:
        if self.lexical.consistent():
            return []
        self._request_repair()
        return ["The search index is being rebuilt; some papers may be missing from results."]

    def _halves(
        self, terms: list[str], vector_text: str, query: SearchQuery, depth: int, mode: str
    ) -> tuple[LexicalMatches, list[tuple[str, float]], float]:
        def lexical_half() -> LexicalMatches:
            return self.lexical.search(terms, query.filters, depth)

        def vector_half() -> tuple[list[tuple[str, float]], float]:
            return self._vector_ranking(self.query_vector(vector_text), query, depth)

        if mode == "hybrid":
            lexical, (vector_ranking, best_cosine) = in_parallel(lexical_half, vector_half)
        elif mode == "vector":
            lexical, (vector_ranking, best_cosine) = NO_LEXICAL_MATCHES, vector_half()
        else:
            lexical, vector_ranking, best_cosine = lexical_half(), [], 0.0
        return lexical, vector_ranking, best_cosine

    def matches_all(self, terms: list[str]) -> bool:
        return self.lexical.matches_all(terms, SearchFilters())

    def _vocabulary_papers(self, words: list[str]) -> dict[str, int]:
        return self.vocabulary.papers(words)

    def _spelling_candidates(self, word: str, edits: int) -> list[tuple[str, int]]:
        return self.vocabulary.near(word, edits)

    def _vocabulary_has_prefix(self, prefix: str) -> bool:
        return self.vocabulary.has_prefix(prefix, len(prefix))

    def _corpus_size(self) -> int:
        return self.lexical.num_docs()

    def _request_repair(self) -> None:
        """Ask the worker to check and rebuild the index (at most once a minute per process)."""
        now = time.monotonic()
        if now - self._repair_requested_at < REPAIR_REQUEST_INTERVAL_S:
            return
        self._repair_requested_at = now
        enqueue_unless_queued(update_search_index)

    def _coverage_counts(self) -> tuple[int, int]:
        self.vectors.ensure_loaded()
        return self.vectors.ntotal, self.lexical.num_docs()

    def _vector_ranking(self, vector: np.ndarray, query: SearchQuery, depth: int) -> tuple[list[tuple[str, float]], float]:
        """The ``depth`` closest papers that pass the filters, and the best cosine before filtering."""
        filters_active = query.filters.active
        k = depth * (FILTERED_OVERFETCH if filters_active else 1)
        found = self.vectors.search(vector, k + 16)  # +16: room for rows dropped below
        papers = self._row_papers([row for row, _ in found])
        ranked = [(papers[row], score) for row, score in found if row in papers]
        if filters_active:
            allowed = self.lexical.matching_ids([pid for pid, _ in ranked], query.filters)
            ranked = [(pid, score) for pid, score in ranked if pid in allowed]
        return ranked[:depth], (float(found[0][1]) if found else 0.0)

    def _papers_by_month(self, words: list[str], filters: SearchFilters) -> dict[str, int]:
        return self.lexical.count_by_month(words, filters, month_spans())

    def _upvotes_by_month(self, words: list[str], filters: SearchFilters) -> dict[str, int]:
        return self.lexical.sum_by_month(words, filters, self._upvoted(), month_spans())

    def _upvoted(self) -> list[tuple[str, int]]:
        """(id, upvotes) of the papers that have any: few (those that reached a daily page), found by
        an index of their own (search 0005), and kept while the site's content version stands (every
        vote, entry and import moves it: ``lib.pagecache``). 60k rows: ~70-100 ms to read, warm."""
        version = content_version()
        cached = self._upvoted_cache
        if cached is None or cached[0] != version:
            cached = self._upvoted_cache = (version, list(Paper.objects.filter(upvotes__gt=0).values_list("pk", "upvotes")))
        return cached[1]

    @staticmethod
    def _row_papers(row_ids: list[int]) -> dict[int, str]:
        """ANN row ids -> paper ids; rows replaced or deleted since the index was loaded drop out."""
        return dict(PaperEmbedding.objects.filter(pk__in=row_ids).values_list("pk", "paper_id"))

    def similar(self, paper_id: str, limit: int = 10) -> list[SearchHit]:
        row = PaperEmbedding.objects.filter(paper_id=paper_id, model=self.embedder.name).first()
        if row is None:
            return []
        found = self.vectors.search(row.as_array(), limit + 17)
        papers = self._row_papers([r for r, _ in found])
        ranked = [(papers[r], score) for r, score in found if r in papers and papers[r] != paper_id]
        return self._hits(ranked[:limit], [])

    # -- indexing ----------------------------------------------------------------------------
    def index_papers(self, paper_ids: Sequence[str]) -> None:
        """Lexical entries now; vectors whose text changed are dropped and re-embedded by ``embed_pending``."""
        paper_ids = list(paper_ids)
        for start in range(0, len(paper_ids), INDEX_CHUNK):
            chunk = paper_ids[start : start + INDEX_CHUNK]
            docs, gone = lexical_docs(chunk)
            self.lexical.upsert(docs, gone)
            self.vocabulary.add(paper_words(docs))
            self._drop_stale_vectors(chunk)
        self.lexical.commit()
        self.vocabulary.commit()

    def remove_papers(self, paper_ids: Sequence[str]) -> None:
        paper_ids = list(paper_ids)
        for start in range(0, len(paper_ids), INDEX_CHUNK):
            chunk = paper_ids[start : start + INDEX_CHUNK]
            self.lexical.upsert([], chunk)
            # Deleting the rows (not only this process's ANN entries) is what makes every other
            # process's loaded index drop them too (see ``_row_papers``).
            rows = list(PaperEmbedding.objects.filter(paper_id__in=chunk).values_list("pk", flat=True))
            if rows:
                PaperEmbedding.objects.filter(pk__in=rows).delete()
                self.vectors.remove(rows)
        self.lexical.commit()

    def _drop_stale_vectors(self, paper_ids: list[str]) -> None:
        current = {pid: text_hash(paper_text(t, a)) for pid, t, a in Paper.objects.filter(pk__in=paper_ids).values_list("pk", "title", "abstract")}
        stale = [
            (row_id, pid)
            for row_id, pid, digest in PaperEmbedding.objects.filter(paper_id__in=paper_ids).values_list("pk", "paper_id", "text_hash")
            if current.get(pid) != digest
        ]
        if stale:
            PaperEmbedding.objects.filter(pk__in=[row for row, _ in stale]).delete()
            self.vectors.remove([row for row, _ in stale])

    def embed_pending(self, limit: int | None = None, on_progress: EmbedProgress | None = None, batch: int = 256) -> int:
        self.vectors.ensure_loaded()
        total = self._backlog().count()
        if limit is not None:
            total = min(total, limit)
        done = 0
        while done < total:
            papers = list(self._backlog().values_list("pk", "title", "abstract")[: min(batch, total - done)])
            if not papers:
                break
            texts = [paper_text(t, a) for _, t, a in papers]
            vectors = self.embedder.embed(texts).astype(np.float16)
            with transaction.atomic():
                PaperEmbedding.objects.filter(paper_id__in=[p[0] for p in papers]).delete()
                PaperEmbedding.objects.bulk_create(
                    PaperEmbedding(paper_id=pid, model=self.embedder.name, text_hash=text_hash(text), vector=vec.tobytes())
                    for (pid, _, _), text, vec in zip(papers, texts, vectors)
                )
            self.vectors.catch_up(force=True)
            done += len(papers)
            if on_progress:
                on_progress(done, total)
        if done:
            self.vectors.save()
        return done

    def rebuild(self, on_progress: RebuildProgress | None = None) -> dict:
        """Lexical index from every paper, vector index from every stored vector."""
        total = Paper.objects.count()
        self.lexical.delete_all()
        done = 0
        last_pk = ""
        words = Counter()
        while True:
            ids = list(Paper.objects.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:INDEX_CHUNK])
            if not ids:
                break
            docs, _ = lexical_docs(ids)
            self.lexical.upsert(docs)
            words.update(paper_words(docs))
            # Vectors whose paper text changed while the index was down must go too.
            self._drop_stale_vectors(ids)
            last_pk = ids[-1]
            done += len(ids)
            if on_progress:
                on_progress("lexical", done, total)
        self.lexical.commit()
        self.vocabulary.replace_all(words)
        self.vocabulary.commit()
        self.vectors.close()
        self.vectors.rebuild(lambda d, t: on_progress("vectors", d, t) if on_progress else None)
        return self.status()

    def import_vectors(self, path, on_progress: RebuildProgress | None = None) -> vector_files.ImportReport:
        """Vectors embedded elsewhere (a GPU host) into the table, then the ANN index rebuilt from it:
        a bulk load wants the index kind chosen for the new size (IVF above ``IVF_MIN_VECTORS``)."""
        report = vector_files.import_vectors(
            path, self.embedder.name, self.embedder.dimensions, lambda d, t: on_progress("import", d, t) if on_progress else None
        )
        self.vectors.close()
        self.vectors.rebuild(lambda d, t: on_progress("vectors", d, t) if on_progress else None)
        return report

    def consistent(self) -> bool:
        """The lexical index agrees with its manifest and holds as many papers as the table.

        (The vector index checks its own manifest whenever it is opened and rebuilds itself.)
        """
        papers = Paper.objects.count()
        # A vocabulary never built (an index from before spelling) is rebuilt with the rest.
        return self.lexical.consistent() and self.lexical.num_docs() == papers and (self.vocabulary.built() or not papers)

    # -- operators ---------------------------------------------------------------------------
    def status(self) -> dict:
        self.vectors.ensure_loaded()
        papers = Paper.objects.count()
        embedded = PaperEmbedding.objects.filter(model=self.embedder.name).count()
        lexical_docs_count = self.lexical.num_docs()
        return {
            "backend": "local (tantivy + faiss)",
            "papers": papers,
            "lexical_indexed": lexical_docs_count,
            "lexical_consistent": self.lexical.consistent() and lexical_docs_count == papers,
            "pending_updates": PendingIndexUpdate.objects.count(),
            "embed_backlog": self._backlog().count(),
            "embedding_model": self.embedder.name,
            "vectors": embedded,
            "vector_coverage": embedded / papers if papers else 1.0,
            "vector_index": self.vectors.kind(),
            "vector_index_size": self.vectors.ntotal,
            "data_dir": str(self.root),
        }

    def close(self) -> None:
        self.lexical.close()
        self.vocabulary.close()
        self.vectors.close()
