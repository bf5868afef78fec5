"""The page cache: anonymous reads from the shared cache, a vote visible on the next request, no DB
queries on a hit, 304s, members' pages never shared, each reader's own CSRF token."""

import re
import threading
import time

import pytest
from django.test import Client
from django.utils import timezone

from dailypapers.lib.pagecache import CSRF_PLACEHOLDER, content_version
from dailypapers.lib.sqlite_cache import SQLiteCache
from dailypapers.papers.models import Paper
from dailypapers.papers.services import set_upvote
from dailypapers.papers.signals import papers_changed
from tests.papers.factories import make_paper

pytestmark = pytest.mark.django_db


def count_on_page(html: str, paper: Paper) -> int:
    card = html[html.index(f'id="paper-{paper.pk.replace(".", "")}"'):]
    return int(re.search(r'data-testid="upvote-count">(\d+)<', card).group(1))


def test_a_vote_shows_on_the_next_anonymous_request(member):
    paper = make_paper(title="Cached paper", upvotes=4, day=timezone.localdate())
    reader = Client()
    assert count_on_page(reader.get("/").content.decode(), paper) == 4
    assert count_on_page(reader.get("/").content.decode(), paper) == 4  # from the cache now
    set_upvote(member, Paper.objects.get(pk=paper.pk), True)
    assert count_on_page(reader.get("/").content.decode(), paper) == 5
    trending = reader.get("/papers/trending").content.decode()
    assert count_on_page(trending, paper) == 5


def test_an_upvote_through_the_site_invalidates_the_day_page(client, member):
    paper = make_paper(upvotes=1, day=timezone.localdate())
    reader = Client()
    before = reader.get("/").content.decode()
    assert count_on_page(before, paper) == 1
    client.force_login(member)
    assert client.post(f"/papers/{paper.pk}/upvote", {"voted": "1"}).status_code == 302
    assert count_on_page(reader.get("/").content.decode(), paper) == 2
    assert reader.get(f"/api/papers/{paper.pk}").json()["upvotes"] == 2


def test_an_import_touching_a_paper_invalidates_its_pages():
    paper = make_paper(title="Old title", day=timezone.localdate())
    reader = Client()
    assert "Old title" in reader.get(f"/papers/{paper.pk}").content.decode()
    Paper.objects.filter(pk=paper.pk).update(title="New title")  # as the bulk writer does: no save signal
    before = content_version()
    papers_changed.send(sender=None, paper_ids=[paper.pk])
    assert content_version() > before
    assert "New title" in reader.get(f"/papers/{paper.pk}").content.decode()


def test_a_cached_page_is_served_without_database_queries(django_assert_num_queries):
    make_paper(upvotes=3, day=timezone.localdate())
    reader = Client()
    for url in ["/", "/papers/trending", "/api/daily_papers", "/feeds/daily.rss", "/api/v1/trending"]:
        first = reader.get(url)
        assert first.status_code == 200
        with django_assert_num_queries(0):
            again = reader.get(url)
        assert again.status_code == 200 and again["ETag"] == first["ETag"]


def test_matching_if_none_match_gets_304_and_a_change_gets_200(member):
    paper = make_paper(upvotes=3, day=timezone.localdate())
    reader = Client()
    for url in ["/", "/feeds/daily.rss", "/api/daily_papers"]:
        first = reader.get(url)
        assert first.has_header("Last-Modified")
        not_modified = reader.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert not_modified.status_code == 304 and not_modified.content == b""
    feed = reader.get("/feeds/daily.rss")
    assert feed["Cache-Control"].startswith("public") and "Cookie" in feed["Vary"]
    assert "private" in reader.get("/")["Cache-Control"]  # it carries the reader's CSRF token
    set_upvote(member, Paper.objects.get(pk=paper.pk), True)
    assert reader.get("/feeds/daily.rss", HTTP_IF_NONE_MATCH=feed["ETag"]).status_code == 200


def test_members_never_get_another_members_page_nor_the_anonymous_one(django_user_model, member):
    paper = make_paper(upvotes=3, day=timezone.localdate())
    set_upvote(member, paper, True)
    other = django_user_model.objects.create_user(username="grace", email="grace@example.org", password="correct-horse-9")
    ada, grace, anonymous = Client(), Client(), Client()
    ada.force_login(member)
    grace.force_login(other)
    assert 'data-testid="username">ada<' not in anonymous.get("/").content.decode()  # cached now
    ada_page = ada.get("/")
    assert 'data-testid="username">ada<' in ada_page.content.decode() and "upvote-button voted" in ada_page.content.decode()
    assert "private" in ada_page["Cache-Control"]
    grace_page = grace.get("/").content.decode()
    assert 'data-testid="username">grace<' in grace_page and "ada" not in grace_page
    assert "upvote-button voted" not in grace_page
    assert "data-testid=\"username\"" not in anonymous.get("/").content.decode()


def test_each_reader_gets_a_working_csrf_token_of_their_own():
    make_paper(day=timezone.localdate())
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    tokens = []
    for reader in (first, second):
        html = reader.get("/").content.decode()
        assert CSRF_PLACEHOLDER not in html
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        tokens.append(token)
        response = reader.post("/digests/subscribe", {"email": f"reader{len(tokens)}@example.org", "csrfmiddlewaretoken": token})
        assert response.status_code == 200
    assert tokens[0] != tokens[1]
    assert second.post("/digests/subscribe", {"email": "x@example.org", "csrfmiddlewaretoken": "x" * 64}).status_code == 403


def test_search_is_never_served_from_the_cache():
    make_paper(title="Searchable", day=timezone.localdate())
    reader = Client()
    # Search is rate-limited per client and has unbounded keys: always answered by its view.
    for _ in range(2):
        response = reader.get("/api/papers/search?q=Searchable")
        assert response.status_code == 200 and not response.has_header("Last-Modified")
    assert reader.get("/api/daily_papers").has_header("Last-Modified")  # what the cache serves has it


def test_sqlite_cache_is_atomic_and_expires(tmp_path):
    store = SQLiteCache(str(tmp_path / "cache.sqlite3"), {})
    assert store.add("n", 0) and not store.add("n", 5)
    threads = [threading.Thread(target=lambda: [store.incr("n") for _ in range(200)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.get("n") == 800
    store.set("gone", {"a": 1}, timeout=-1)
    assert store.get("gone") is None and store.add("gone", "back") and store.get("gone") == "back"
    store.set_many({"x": b"bytes", "y": [1, 2]})
    assert store.get_many(["x", "y", "z"]) == {"x": b"bytes", "y": [1, 2]}
    with pytest.raises(ValueError):
        store.incr("missing")
    assert store.delete("x") and not store.has_key("x")
    other_process_view = SQLiteCache(str(tmp_path / "cache.sqlite3"), {})  # another connection, as another process has
    assert other_process_view.get("n") == 800


def test_concurrent_misses_render_a_page_once(monkeypatch):
    """After a vote every reader misses at once: one renders, the others wait for its result."""
    from django.db import connection

    from dailypapers.papers import views

    make_paper(upvotes=2, day=timezone.localdate())
    rendered = []
    real_render = views.render

    def slow_render(*args, **kwargs):
        rendered.append(1)
        time.sleep(0.3)
        return real_render(*args, **kwargs)

    monkeypatch.setattr(views, "render", slow_render)
    Client().get("/about/ranking")  # warm up URL resolution and templates in this thread
    rendered.clear()
    statuses = []

    def read():
        try:
            statuses.append(Client().get("/about/ranking").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=read) for _ in range(4)]
    from dailypapers.lib.pagecache import bump_content_version

    bump_content_version()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 4 and len(rendered) == 1


def test_a_process_keeps_its_recent_pages_only_for_their_version_and_ttl(member, monkeypatch):
    from dailypapers.lib.pagecache import store

    paper = make_paper(upvotes=1, day=timezone.localdate())
    reader = Client()
    assert count_on_page(reader.get("/").content.decode(), paper) == 1
    reads = []
    real_get = store.cache.get
    monkeypatch.setattr(store.cache, "get", lambda key, *a, **k: reads.append(key) or real_get(key, *a, **k))
    assert count_on_page(reader.get("/").content.decode(), paper) == 1
    assert reads == [store.VERSION_KEY]  # the page came from this process's copy
    set_upvote(member, Paper.objects.get(pk=paper.pk), True)
    assert count_on_page(reader.get("/").content.decode(), paper) == 2  # a new version: not the old copy
    reads.clear()
    monkeypatch.setattr(store.time, "monotonic", lambda: time.monotonic_ns() / 1e9 + 3600)  # past the TTL
    reader.get("/")
    assert len(reads) > 1  # asked the shared cache again


def test_local_pages_stay_under_their_byte_budget():
    from dailypapers.lib.pagecache import CachedPage, LocalPages

    pages = LocalPages(max_bytes=250)
    for n in range(5):
        pages.put(f"k{n}", CachedPage(200, [], b"x" * 100, 0), 60)
    assert pages.size <= 250 and pages.get("k0") is None and pages.get("k4") is not None
