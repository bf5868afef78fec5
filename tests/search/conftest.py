import pytest

from dailypapers.search import embedder as embedder_module
from dailypapers.search import reset_backend

_vector_cache: dict[str, object] = {}


class MemoizedEmbedder(embedder_module.Embedder):
    """The real model, remembering vectors across tests: the sample takes ~20 s to embed on 2 cores."""

    def embed(self, texts):
        import numpy as np

        missing = [t for t in dict.fromkeys(texts) if t not in _vector_cache]
        if missing:
            for text, vector in zip(missing, super().embed(missing)):
                _vector_cache[text] = vector
        if not texts:
            return super().embed(texts)
        return np.stack([_vector_cache[t] for t in texts])


@pytest.fixture
def isolated_search_backend(settings, tmp_path, monkeypatch):
    """An index directory of the test's own and a fresh backend over it (the model is memoized)."""
    settings.DATA_DIR = tmp_path
    monkeypatch.setattr(embedder_module, "_shared", MemoizedEmbedder())
    reset_backend()
    yield
    reset_backend()


@pytest.fixture(autouse=True)
def search_backend(isolated_search_backend):
    """Every search test runs on its own index."""


def run_index_tasks():
    """What the worker does after an ingest: index the outbox, embed everything."""
    from dailypapers.search import get_backend

    backend = get_backend()
    backend.process_pending_updates()
    backend.embed_pending()
    return backend
