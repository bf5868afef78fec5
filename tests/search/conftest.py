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


def empty_postgres_search_tables():
    """A transactional test's flush empties Django's tables, not the PostgreSQL backend's own
    (documents, papers per word and month, vectors, spelling terms): empty them as well, so counts
    from earlier tests' papers do not linger (a TRUNCATE fires no trigger and no backend write)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    from dailypapers.search.backends import postgres

    with connection.cursor() as cursor:
        for table in (postgres.DOCUMENTS, postgres.LEXEME_MONTHS, postgres.VECTORS, postgres.TERMS):
            cursor.execute("SELECT to_regclass(%s)", [table])
            if cursor.fetchone()[0] is not None:
                cursor.execute(f"TRUNCATE {table}")


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
