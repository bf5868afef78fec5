import pytest
from django.utils import timezone

from dailypapers.accounts.models import ApiToken
from dailypapers.discovery.ranking import recent_vectors
from dailypapers.ingest.pipeline import IngestPipeline, SourceItem
from dailypapers.search import embedder as embedder_module
from dailypapers.search import get_backend, reset_backend
from tests.discovery import corpus
from tests.search.conftest import MemoizedEmbedder


def ingest(records: list[dict]):
    report = IngestPipeline("jsonl").run(SourceItem(location=f"record {i}", data=r) for i, r in enumerate(records))
    assert report.rejected == 0, report.rejections
    return report


@pytest.fixture(autouse=True)
def discovery_backend(settings, tmp_path, monkeypatch):
    """Each test gets its own index directory, the real model (memoized) and a fresh window cache."""
    settings.DATA_DIR = tmp_path
    monkeypatch.setattr(embedder_module, "_shared", MemoizedEmbedder())
    reset_backend()
    recent_vectors.reset()
    yield
    reset_backend()
    recent_vectors.reset()


@pytest.fixture
def topics(db):
    """The five-topic corpus, ingested and embedded as the worker would. Returns today."""
    today = timezone.localdate()
    ingest(corpus.records(today))
    backend = get_backend()
    backend.process_pending_updates()
    backend.embed_pending()
    return today


@pytest.fixture
def token(member):
    return ApiToken.issue(member, "tests")[1]
