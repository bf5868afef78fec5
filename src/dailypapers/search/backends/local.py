"""The embedded backend: tantivy (lexical) + faiss (vectors) in the data directory, fused by RRF."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np
from django.conf import settings
from django.db import transaction

from dailypapers.papers.identifiers import arxiv_id_in, paper_reference_in
from dailypapers.papers.models import Authorship, Paper
from dailypapers.search import fusion, vector_files
from dailypapers.search.backends.base import (
    EmbedProgress,
    RebuildProgress,
    SearchBackend,
    SearchFilters,
    SearchHit,
    SearchQuery,
    SearchResults,
)
from dailypapers.search.backends.common import INDEX_CHUNK, SharedBackendParts, paper_titles
from dailypapers.search.embedder import get_embedder, paper_text, text_hash
from dailypapers.search.highlight import ABSTRACT_FRAGMENT_CHARS, highlight
from dailypapers.search.lexical import LexicalDoc, LexicalIndex, LexicalMatches
from dailypapers.search.models import PaperEmbedding, PendingIndexUpdate
from dailypapers.search.query import query_terms
from dailypapers.search.tasks import enqueue_unless_queued, update_search_index
from dailypapers.search.vectors import VectorIndex

log = logging.getLogger(__name__)
T = TypeVar("T")
U = TypeVar("U")

# Both halves contribute this many candidates (at least) to the fusion.
FUSION_DEPTH = 100
# Vector hits are filtered after the ANN search, so filtered searches fetch more of them.
FILTERED_OVERFETCH = 8
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


def lexical_docs(paper_ids: Iterable[str]) -> tuple[list[LexicalDoc], list[str]]:
    """Index documents for the papers that exist, and the ids that no longer do."""
    paper_ids = list(paper_ids)
    papers = list(
        Paper.objects.filter(pk__in=paper_ids)
        .select_related("organization", "daily_entry__organization")
        .only(
            "id", "title", "abstract", "categories", "primary_category", "github_repo", "published_at",
            "organization__slug", "daily_entry__organization__slug",
        )
    )  # fmt: skip
    authors: dict[str, list[str]] = {}
    for paper_id, name in (
        Authorship.objects.filter(paper_id__in=[p.pk for p in papers]).order_by("position").values_list("paper_id", "author__name")
    ):
        authors.setdefault(paper_id, []).append(name)
    docs = []
    for p in papers:
        entry = getattr(p, "daily_entry", None) if hasattr(p, "daily_entry") else None
        orgs = {o.slug for o in (p.organization, entry.organization if entry else None) if o}
        categories = sorted({*(p.categories or []), *([p.primary_category] if p.primary_category else [])})
        docs.append(
            LexicalDoc(
                paper_id=p.pk, title=p.title, abstract=p.abstract, authors=authors.get(p.pk, []),
                categories=categories, organizations=sorted(orgs), has_code=bool(p.github_repo),
                published=p.published_at.date() if p.published_at else None,
            )
        )  # fmt: skip
    found = {p.pk for p in papers}
    return docs, [pid for pid in paper_ids if pid not in found]


class LocalSearchBackend(SharedBackendParts, SearchBackend):
    def __init__(self, root=None):
        self.root = (root or settings.DATA_DIR / "search")
        self.lexical = LexicalIndex(self.root / "lexical")
        self.embedder = get_embedder()
        self.vectors = VectorIndex(self.root / "vectors", self.embedder.name, self.embedder.dimensions)
        self._query_vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._repair_requested_at = -REPAIR_REQUEST_INTERVAL_S

    # -- searching ---------------------------------------------------------------------------
    def search(self, query: SearchQuery) -> SearchResults:
        reference = paper_reference_in(query.text)
        paper = Paper.objects.only("id", "title", "abstract").filter(pk=reference).first() if reference else None
        if paper is not None:
            hit = SearchHit(reference, 1.0, highlight(paper.title, []), highlight(paper.abstract, [], fragment_chars=ABSTRACT_FRAGMENT_CHARS))
            return SearchResults(hits=[hit] if query.offset == 0 else [], total=1, mode=query.mode, exact_paper_id=reference)
        if missing := arxiv_id_in(query.text):
            # Its digits as words would match nothing meaningful: offer to add the paper instead.
            return SearchResults(hits=[], total=0, mode=query.mode, missing_arxiv_id=missing)
        terms = query_terms(query.text)
        notices = []
        if not self.lexical.consistent():
            notices.append("The search index is being rebuilt; some papers may be missing from results.")
            self._request_repair()
        if not terms:
            return SearchResults(hits=[], total=0, mode=query.mode, notice="Type some words to search.")
        depth = max(FUSION_DEPTH, query.offset + query.limit)
        mode = query.mode
        if mode in ("hybrid", "vector"):
            vectors_ready, coverage_notice = self._vector_coverage()
            if not vectors_ready:
                mode = "lexical"
                notices.append("Semantic search is not available yet (no papers embedded); showing keyword matches only.")
            elif coverage_notice:
                notices.append(coverage_notice)
        def lexical_half() -> LexicalMatches:
            return self.lexical.search(terms, query.filters, depth)

        def vector_half() -> tuple[list[tuple[str, float]], float]:
            # The whole query, stop words included: they carry meaning for the transformer.
            return self._vector_ranking(self.query_vector(" ".join(terms)), query, depth)

        if mode == "hybrid":
            lexical, (vector_ranking, best_cosine) = in_parallel(lexical_half, vector_half)
        elif mode == "vector":
            lexical, (vector_ranking, best_cosine) = LexicalMatches([], 0, True), vector_half()
        else:
            lexical, vector_ranking, best_cosine = lexical_half(), [], 0.0
        # Judged on the whole corpus, not the filtered part: a filter narrows what a meaningful query shows.
        if mode != "lexical" and fusion.no_good_match(best_cosine, lambda: self.lexical.matches_all(terms, SearchFilters())):
            return SearchResults(hits=[], total=0, mode=mode, notice=" ".join(notices), no_good_match=True)
        if mode == "lexical":
            ranked, total, total_exact = lexical.hits, lexical.total, lexical.total_exact
        elif mode == "vector":
            ranked, total, total_exact = vector_ranking, len(vector_ranking), False
        else:
            ranked = fusion.hybrid(lexical.hits, vector_ranking, terms, paper_titles, lexical.person)
            total, total_exact = max(lexical.total, len(ranked)), False
        page = ranked[query.offset : query.offset + query.limit]
        return SearchResults(
            hits=self._hits(page, terms), total=total, mode=mode, notice=" ".join(notices), total_exact=total_exact,
            no_good_match=not ranked and not query.filters.active,  # with filters, "no papers match" says it better
        )

    def _request_repair(self) -> None:
        """Ask the worker to check and rebuild the index (at most once a minute per process)."""
        now = time.monotonic()
        if now - self._repair_requested_at < REPAIR_REQUEST_INTERVAL_S:
            return
        self._repair_requested_at = now
        enqueue_unless_queued(update_search_index)

    def _vector_coverage(self) -> tuple[bool, str]:
        self.vectors.ensure_loaded()
        embedded = self.vectors.ntotal
        if embedded == 0:
            return False, ""
        papers = self.lexical.num_docs()
        if papers and embedded < papers:
            share = embedded / papers
            return True, (
                f"Semantic matching covers {embedded:,} of {papers:,} papers so far ({share:.0%}, newest first); "
                "keyword matching covers all."
            )
        return True, ""

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
            self._drop_stale_vectors(chunk)
        self.lexical.commit()

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
        while True:
            ids = list(Paper.objects.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:INDEX_CHUNK])
            if not ids:
                break
            docs, _ = lexical_docs(ids)
            self.lexical.upsert(docs)
            # Vectors whose paper text changed while the index was down must go too.
            self._drop_stale_vectors(ids)
            last_pk = ids[-1]
            done += len(ids)
            if on_progress:
                on_progress("lexical", done, total)
        self.lexical.commit()
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
        return self.lexical.consistent() and self.lexical.num_docs() == Paper.objects.count()

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
        self.vectors.close()
