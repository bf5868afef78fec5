"""What both search backends do the same way: the query-vector cache, hits with highlights, the
index outbox and the embedding backlog (both read the database's ``PendingIndexUpdate`` and
``PaperEmbedding`` rows), vector export. A backend mixes it in before ``SearchBackend`` and sets
``self.embedder``, ``self._cache_lock`` and ``self._query_vectors`` (an ``OrderedDict``)."""

from __future__ import annotations

import numpy as np

from dailypapers.papers.models import Paper
from dailypapers.search import vector_files
from dailypapers.search.backends.base import EmbedProgress, PendingCounts, SearchHit
from dailypapers.search.highlight import ABSTRACT_FRAGMENT_CHARS, highlight
from dailypapers.search.models import PaperEmbedding, PendingIndexUpdate

# Papers per round of index upkeep (outbox drain, rebuild): bounded memory at any corpus size.
INDEX_CHUNK = 2_000
# Query embeddings kept per process (search-as-you-type repeats queries).
QUERY_VECTOR_CACHE = 2_048


def paper_titles(ids: list[str]) -> dict[str, str]:
    """The titles ``fusion.hybrid`` looks at (its title-start candidates), by paper id."""
    return dict(Paper.objects.filter(pk__in=ids).values_list("pk", "title"))


class SharedBackendParts:
    def query_vector(self, text: str) -> np.ndarray:
        """The embedding of a query, cached: search-as-you-type repeats queries a lot."""
        with self._cache_lock:
            cached = self._query_vectors.get(text)
            if cached is not None:
                self._query_vectors.move_to_end(text)
                return cached
        vector = self.embedder.embed_query(text)
        with self._cache_lock:
            self._query_vectors[text] = vector
            while len(self._query_vectors) > QUERY_VECTOR_CACHE:
                self._query_vectors.popitem(last=False)
        return vector

    def _hits(self, ranked: list[tuple[str, float]], terms: list[str]) -> list[SearchHit]:
        rows = Paper.objects.filter(pk__in=[p for p, _ in ranked]).values_list("pk", "title", "abstract")
        texts = {pid: (title, abstract) for pid, title, abstract in rows}
        return [
            SearchHit(
                paper_id=pid,
                score=float(score),
                title_highlight=highlight(texts[pid][0], terms),
                abstract_highlight=highlight(texts[pid][1], terms, fragment_chars=ABSTRACT_FRAGMENT_CHARS),
            )
            for pid, score in ranked
            if pid in texts  # deleted since it was indexed; its removal is already queued
        ]

    def _backlog(self):
        return PaperEmbedding.papers_without_vectors(self.embedder.name)

    def pending_counts(self) -> PendingCounts:
        return PendingCounts(outbox=PendingIndexUpdate.objects.count(), embed_backlog=self._backlog().count())

    def process_pending_updates(self) -> int:
        processed = 0
        while True:
            rows = list(PendingIndexUpdate.objects.order_by("pk").values_list("pk", "paper_id", "queued_at")[:INDEX_CHUNK])
            if not rows:
                return processed
            self.index_papers([pid for _, pid, _ in rows])
            # A paper queued again while we indexed has a newer queued_at and stays for next round.
            read_until = max(queued for _, _, queued in rows)
            PendingIndexUpdate.objects.filter(pk__in=[pk for pk, _, _ in rows], queued_at__lte=read_until).delete()
            processed += len(rows)

    def export_vectors(self, path, on_progress: EmbedProgress | None = None) -> int:
        """Every stored vector of this site's model to a file (format: :mod:`search.vector_files`)."""
        return vector_files.export_vectors(path, self.embedder.name, self.embedder.dimensions, on_progress)

    def embedding_device(self) -> str:
        return self.embedder.device
