"""The semantic half: an ANN index (faiss) over the vectors in :class:`PaperEmbedding`.

The database table is the source of truth; the index file in the data directory is a cache of it,
named by a manifest that records which rows it holds. Opening it checks the manifest (model,
dimensions, vector count) and rebuilds from the table when anything disagrees; afterwards every
process catches up with rows added since (``catch_up``), so a reader never serves a stale set.

Index kind, chosen by measurement (README, "Search" benchmarks): exact inner product below
``IVF_MIN_VECTORS`` (brute force is fast there and perfect), IVF with 8-bit scalar quantisation
above it — builds in seconds where HNSW takes tens of minutes on 2 cores, takes 384 bytes per
vector (3M papers in ~1.2 GB), accepts additions without retraining, and keeps recall@10 ~0.97.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np
from django.db.models import Max

from dailypapers.search.manifest import ManifestMixin
from dailypapers.search.models import PaperEmbedding

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
IVF_MIN_VECTORS = 50_000
IVF_NPROBE = 32
TRAIN_SAMPLE = 100_000
# Readers look for rows added by the worker at most this often.
CATCH_UP_INTERVAL_S = 2.0
LOAD_CHUNK = 20_000


def ivf_lists(n: int) -> int:
    """IVF cells for ``n`` vectors: ~4·sqrt(n), the usual balance of coarse vs. fine search."""
    return max(64, min(65_536, int(4 * math.sqrt(n))))


def make_index(dim: int, n_expected: int, sample: np.ndarray | None) -> faiss.Index:
    if n_expected < IVF_MIN_VECTORS or sample is None or len(sample) < 39 * ivf_lists(n_expected) // 4:
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFScalarQuantizer(
        quantizer, dim, ivf_lists(n_expected), faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    index.train(sample)
    index.nprobe = IVF_NPROBE
    return index


def index_kind(index: faiss.Index) -> str:
    if isinstance(index, faiss.IndexIVF):
        return f"faiss IVF{index.nlist},SQ8 nprobe={index.nprobe}"
    return "faiss flat (exact)"


class VectorIndex(ManifestMixin):
    """Thread-safe ANN search over one model's vectors, kept in step with the database."""

    def __init__(self, path: Path, model: str, dim: int):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.model = model
        self.dim = dim
        self.index: faiss.Index | None = None
        self.max_row_id = 0
        self._lock = threading.RLock()
        self._last_catch_up = 0.0

    def _rows(self):
        return PaperEmbedding.objects.filter(model=self.model)

    # opening -----------------------------------------------------------------------------
    def ensure_loaded(self, on_progress: Callable[[int, int], None] | None = None) -> None:
        with self._lock:
            if self.index is None:
                if not self._load():
                    self.rebuild(on_progress)
            self.catch_up()

    def _load(self) -> bool:
        manifest = self.read_manifest()
        expected = {"format": FORMAT_VERSION, "model": self.model, "dim": self.dim}
        if not manifest or any(manifest.get(k) != v for k, v in expected.items()):
            if manifest:
                log.warning("vector index manifest %s does not match %s: rebuilding", manifest, expected)
            return False
        try:
            index = faiss.read_index(str(self.path / manifest["file"]))
        except (RuntimeError, KeyError, OSError) as exc:
            log.warning("vector index file unreadable (%s): rebuilding", exc)
            return False
        if index.ntotal != manifest.get("ntotal"):
            log.warning("vector index holds %s vectors, manifest says %s: rebuilding", index.ntotal, manifest.get("ntotal"))
            return False
        if isinstance(index, faiss.IndexIVF):
            index.nprobe = IVF_NPROBE
        self.index, self.max_row_id = index, manifest["max_row_id"]
        # Rows of the file that the table no longer has (papers changed or deleted while this
        # file was current) are dropped from hits by the backend (``LocalSearchBackend._row_papers``); too many means rebuild.
        return True

    def rebuild(self, on_progress: Callable[[int, int], None] | None = None) -> None:
        """A new index from every row of the table, trained on a sample when it is large."""
        with self._lock:
            rows = self._rows()
            total = rows.count()
            sample = None
            if total >= IVF_MIN_VECTORS:
                step = max(1, total // TRAIN_SAMPLE)
                ids = list(rows.order_by("id").values_list("id", flat=True)[::step][:TRAIN_SAMPLE])
                sample = self._vectors_for(rows.filter(id__in=ids))[1]
            index = make_index(self.dim, total, sample)
            self.index, self.max_row_id = index, 0
            self._add_rows_after(0, total, on_progress)
            self.save()

    def _vectors_for(self, rows) -> tuple[np.ndarray, np.ndarray]:
        pairs = list(rows.values_list("id", "vector"))
        ids = np.fromiter((p[0] for p in pairs), dtype=np.int64, count=len(pairs))
        if not pairs:
            return ids, np.zeros((0, self.dim), dtype=np.float32)
        matrix = np.frombuffer(b"".join(bytes(p[1]) for p in pairs), dtype=np.float16).reshape(len(pairs), self.dim)
        return ids, matrix.astype(np.float32)

    def _add_rows_after(self, row_id: int, total: int | None = None, on_progress=None) -> int:
        added = 0
        while True:
            ids, vectors = self._vectors_for(self._rows().filter(id__gt=row_id).order_by("id")[:LOAD_CHUNK])
            if not len(ids):
                return added
            self.index.add_with_ids(vectors, ids)
            row_id = self.max_row_id = int(ids[-1])
            added += len(ids)
            if on_progress:
                on_progress(added, total or added)

    def catch_up(self, force: bool = False) -> int:
        """Add rows the database gained since this process last looked; returns how many."""
        now = time.monotonic()
        if not force and now - self._last_catch_up < CATCH_UP_INTERVAL_S:
            return 0
        self._last_catch_up = now
        latest = self._rows().aggregate(m=Max("id"))["m"] or 0
        if latest <= self.max_row_id:
            return 0
        with self._lock:
            return self._add_rows_after(self.max_row_id)

    def remove(self, row_ids: list[int]) -> None:
        if row_ids and self.index is not None:
            with self._lock:
                self.index.remove_ids(np.asarray(row_ids, dtype=np.int64))

    def save(self) -> None:
        """Write the index under a new name, then switch the manifest to it (the commit point)."""
        with self._lock:
            name = f"ann-{self.max_row_id}-{self.index.ntotal}.faiss"
            faiss.write_index(self.index, str(self.path / (name + ".tmp")))
            os.replace(self.path / (name + ".tmp"), self.path / name)
            manifest = {
                "format": FORMAT_VERSION, "model": self.model, "dim": self.dim, "file": name,
                "ntotal": int(self.index.ntotal), "max_row_id": int(self.max_row_id), "kind": index_kind(self.index),
            }  # fmt: skip
            self.write_manifest(manifest)
            for old in self.path.glob("ann-*.faiss*"):
                if old.name != name:
                    old.unlink(missing_ok=True)

    # searching ---------------------------------------------------------------------------
    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """``[(row id, cosine), ...]`` best first."""
        self.ensure_loaded()
        with self._lock:
            if self.index.ntotal == 0:
                return []
            scores, ids = self.index.search(np.asarray(vector, dtype=np.float32).reshape(1, -1), k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    @property
    def ntotal(self) -> int:
        return 0 if self.index is None else int(self.index.ntotal)

    def kind(self) -> str:
        return "not loaded" if self.index is None else index_kind(self.index)

    def close(self) -> None:
        with self._lock:
            self.index = None
            self.max_row_id = 0
