"""A failing cache store is a miss: with the SQLite cache's disk full (every statement fails as
SQLite fails then), anonymous pages, the APIs and the feeds still answer 200, writes still work,
/healthz says the process is degraded and /readyz fails its cache check. Before, a full disk made
every anonymous page a 500 through the page cache while /healthz said 200."""

import sqlite3
from unittest import mock

import pytest

from dailypapers.lib import tolerant_cache
from dailypapers.lib.pagecache import local_pages
from dailypapers.lib.sqlite_cache import SQLiteStore

pytestmark = pytest.mark.django_db


class FullDisk:
    """Stands for the cache's SQLite connection on a full disk: every statement fails."""

    def execute(self, *args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")


@pytest.fixture
def full_cache_disk(settings):
    settings.DAILYPAPERS_PAGE_CACHE = True
    local_pages.clear()
    tolerant_cache.forget_failures()
    with mock.patch.object(SQLiteStore, "_db", new_callable=mock.PropertyMock, return_value=FullDisk()):
        yield
    tolerant_cache.forget_failures()


def test_the_tests_use_the_sites_cache_backend(settings):
    assert settings.CACHES["default"]["BACKEND"] == "dailypapers.lib.sqlite_cache.SQLiteCache"


@pytest.mark.parametrize("url", ["/", "/papers/trending", "/api/v1/papers", "/api/daily_papers", "/feeds/daily.rss", "/api/v1/openapi.json"])
def test_pages_apis_and_feeds_are_served_uncached(client, sample_papers, full_cache_disk, url):
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200


def test_writes_still_work_and_health_says_degraded(client, sample_papers, member, full_cache_disk):
    from dailypapers.papers.models import Paper

    paper = Paper.objects.order_by("pk").first()
    client.force_login(member)
    assert client.post(f"/papers/{paper.pk}/upvote", {"voted": "1"}).status_code == 302  # bumps the content version
    assert Paper.objects.get(pk=paper.pk).member_upvotes == 1
    assert client.get(f"/papers/{paper.pk}").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 200 and health.content.startswith(b"degraded") and b"disk is full" in health.content
    assert health["X-Degraded"] == "cache"
    ready = client.get("/readyz")
    assert ready.status_code == 503 and not ready.json()["checks"]["cache"]["ok"]


def test_health_is_plain_ok_when_the_cache_works(client):
    tolerant_cache.forget_failures()
    assert client.get("/healthz").content == b"ok\n"
