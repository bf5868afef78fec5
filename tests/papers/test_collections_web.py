"""Collections on the web: the same rules as the API (papers.collections), owner-only views, the
public share page, the save control on cards, and inert names and notes."""

import datetime as dt
import types

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from dailypapers.accounts.models import ApiToken
from dailypapers.lib import ratelimit
from dailypapers.papers import collections
from dailypapers.papers.models import Collection, CollectionItem
from tests.adversarial.test_xss_corpus import PAYLOADS, assert_inert_html
from tests.papers.factories import make_paper

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def mallory(django_user_model):
    return django_user_model.objects.create_user(username="mallory", email="m@example.org", password="pw-12345678")


@pytest.fixture
def papers(db):
    today = timezone.localdate()
    return [make_paper(day=today, title=f"Paper {n}", id=f"2411.2000{n}") for n in range(4)]


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def count_queries(action) -> int:
    """Queries ``action`` runs (counted as they run: unlike the captured query log, never capped)."""
    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        action()
    return count


def item_rows(collection):
    """What a collection holds, as both interfaces must leave it."""
    return [(i.paper_id, i.note, i.position, i.read_at is not None) for i in collection.items.order_by("position", "added_at", "pk")]


@pytest.mark.django_db
def test_web_and_api_edits_leave_the_same_collection(member, papers):
    """The same sequence of edits through the web forms and through the API gives the same rows."""
    web, api = logged_in(member), Client()
    _, raw = ApiToken.issue(member, "test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    web.post("/collections", {"name": "Web list"})
    by_web = Collection.objects.get(name="Web list")
    by_api_id = api.post("/api/v1/collections", {"name": "API list"}, content_type="application/json", **auth).json()["id"]
    a, b, c = (p.pk for p in papers[:3])

    for pid in (a, b, c):  # save three papers
        web.post(f"/papers/{pid}/save", {"shown": [by_web.pk], "collection": [by_web.pk]})
        api.put(f"/api/v1/collections/{by_api_id}/items/{pid}", {}, content_type="application/json", **auth)
    web.post(f"/collections/{by_web.pk}/items/{b}", {"action": "note", "note": "  read §3  "})
    api.put(f"/api/v1/collections/{by_api_id}/items/{b}", {"note": "  read §3  "}, content_type="application/json", **auth)
    web.post(f"/collections/{by_web.pk}/items/{c}", {"action": "read"})
    api.put(f"/api/v1/collections/{by_api_id}/items/{c}", {"note": "", "read": True}, content_type="application/json", **auth)
    web.post(f"/collections/{by_web.pk}/items/{a}", {"action": "remove"})
    api.delete(f"/api/v1/collections/{by_api_id}/items/{a}", **auth)

    by_api = Collection.objects.get(pk=by_api_id)
    assert item_rows(by_web) == item_rows(by_api) == [(b, "read §3", 1, False), (c, "", 2, True)]
    detail = api.get(f"/api/v1/collections/{by_api_id}", **auth).json()
    assert [i["read_at"] is not None for i in detail["items"]] == [False, True]

    # renames and the public flag: same rule (blank names refused), same result
    assert web.post(f"/collections/{by_web.pk}/edit", {"name": "  "}).status_code == 400
    assert api.patch(f"/api/v1/collections/{by_api_id}", {"name": "  "}, content_type="application/json", **auth).status_code == 400
    web.post(f"/collections/{by_web.pk}/edit", {"name": "Renamed", "is_public": "1"})
    api.patch(f"/api/v1/collections/{by_api_id}", {"name": "Renamed 2", "is_public": True}, content_type="application/json", **auth)
    by_web.refresh_from_db()
    by_api.refresh_from_db()
    assert (by_web.name, by_web.is_public, by_api.name, by_api.is_public) == ("Renamed", True, "Renamed 2", True)
    # a name taken: 409 on both
    assert web.post(f"/collections/{by_web.pk}/edit", {"name": "Renamed 2"}).status_code == 409
    assert api.patch(f"/api/v1/collections/{by_api_id}", {"name": "Renamed"}, content_type="application/json", **auth).status_code == 409


@pytest.mark.django_db
def test_reorder_moves_items_up_and_down_and_mark_read_toggles(member, papers):
    collection = collections.create_collection(member, "Order")
    for p in papers:
        collections.save_paper(collection, p)
    client = logged_in(member)
    ids = [p.pk for p in papers]
    response = client.post(f"/collections/{collection.pk}/items/{ids[2]}", {"action": "up"}, **HTMX)
    assert response.status_code == 200 and 'id="collection-items"' in response.content.decode()
    client.post(f"/collections/{collection.pk}/items/{ids[0]}", {"action": "down"})
    client.post(f"/collections/{collection.pk}/items/{ids[3]}", {"action": "down"})  # already last: stays
    assert [r[0] for r in item_rows(collection)] == [ids[2], ids[0], ids[1], ids[3]]
    page = client.get(f"/collections/{collection.pk}").content.decode()
    assert page.index("Paper 2") < page.index("Paper 0") < page.index("Paper 1") < page.index("Paper 3")

    client.post(f"/collections/{collection.pk}/items/{ids[1]}", {"action": "read"})
    assert 'data-testid="mark-unread"' in client.get(f"/collections/{collection.pk}").content.decode()
    client.post(f"/collections/{collection.pk}/items/{ids[1]}", {"action": "unread"})
    assert all(not read for *_, read in item_rows(collection))
    assert client.post(f"/collections/{collection.pk}/items/{ids[1]}", {"action": "explode"}).status_code == 400
    assert client.post(f"/collections/{collection.pk}/items/2411.99999", {"action": "read"}).status_code == 404


@pytest.mark.django_db
def test_another_members_collection_is_not_found_by_changing_ids(member, mallory, papers):
    private = collections.create_collection(member, "Secret reading")
    collections.save_paper(private, papers[0], note="my private note")
    public = collections.create_collection(member, "Shared reading", is_public=True)
    before = item_rows(private)
    intruder = logged_in(mallory)
    for url in (f"/collections/{private.pk}", f"/c/{private.pk}", f"/collections/{public.pk}"):
        response = intruder.get(url)
        assert response.status_code == 404 and "my private note" not in response.content.decode(), url
    for url, data in ((f"/collections/{private.pk}/edit", {"name": "pwned"}), (f"/collections/{private.pk}/edit", {"delete": "1"}),
                      (f"/collections/{private.pk}/items/{papers[0].pk}", {"action": "remove"}),
                      (f"/collections/{private.pk}/items/{papers[0].pk}", {"action": "note", "note": "pwned"})):
        assert intruder.post(url, data).status_code == 404, url
    # the save form ignores collection ids that are not the member's own
    intruder.post(f"/papers/{papers[1].pk}/save", {"shown": [private.pk], "collection": [private.pk]})
    intruder.post(f"/papers/{papers[0].pk}/save", {"shown": [private.pk]})
    private.refresh_from_db()
    assert private.name == "Secret reading" and item_rows(private) == before
    assert Client().get(f"/c/{private.pk}").status_code == 404
    assert Client().get("/c/999999").status_code == 404
    assert Client().get("/c/" + "9" * 30).status_code == 404  # past any database integer: still a 404
    assert intruder.get("/collections/" + "9" * 30).status_code == 404
    # the share page: public for everyone, private for its owner only
    assert intruder.get(f"/c/{public.pk}").status_code == 200
    assert Client().get(f"/c/{public.pk}").status_code == 200
    assert "my private note" in logged_in(member).get(f"/c/{private.pk}").content.decode()


@pytest.mark.django_db
def test_save_control_on_cards_shows_the_members_state_without_a_query_per_card(member, papers):
    collection = collections.create_collection(member, "Favourites")
    collections.save_paper(collection, papers[1])
    client = logged_in(member)
    day = f"/papers/date/{timezone.localdate():%Y-%m-%d}"
    page = client.get(day).content.decode()
    assert page.count('data-testid="save-control"') == 4 and page.count("★ Saved") == 1
    assert "{#" not in page and "#}" not in page  # template comments stay comments
    before = count_queries(lambda: client.get(day))
    for n in range(20):
        make_paper(day=timezone.localdate(), title=f"More {n}", id=f"2411.3{n:04d}")
    client.get(day)  # the filter's organization names are computed once per change: warm them again
    assert count_queries(lambda: client.get(day)) == before  # more cards, no more queries
    anonymous = Client().get(day).content.decode()
    assert 'data-testid="save-control"' in anonymous
    opened = Client().get(f"/papers/{papers[1].pk}/save?next={day}")  # the control's link, followed by a reader
    assert opened.status_code == 302 and opened["Location"].startswith("/accounts/login/?next=")
    htmx_opened = Client().get(f"/papers/{papers[1].pk}/save?next={day}", **HTMX)
    assert htmx_opened["HX-Redirect"].startswith("/accounts/login/?next=")
    assert "★ Saved" not in anonymous
    # paper page and search results carry the control too
    assert "★ Saved" in client.get(papers[1].get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_save_popover_saves_unsaves_and_creates_a_collection(member, papers):
    client = logged_in(member)
    paper = papers[0]
    popover = client.get(f"/papers/{paper.pk}/save", **HTMX).content.decode()
    assert "You have no collections yet" in popover and 'name="new_name"' in popover
    response = client.post(f"/papers/{paper.pk}/save", {"new_name": "To read", "new_public": "1"}, **HTMX)
    assert response.status_code == 200 and 'data-testid="saved-state"' in response.content.decode()
    assert "★ Saved" in response.content.decode() and 'class="save-control"' in response.content.decode()  # the whole control, open
    created = Collection.objects.get(owner=member, name="To read")
    assert created.is_public and item_rows(created) == [(paper.pk, "", 0, False)]
    # unticking removes it; the note of a paper already saved survives a re-save from a card
    client.post(f"/papers/{paper.pk}/save", {"shown": [created.pk], "collection": [created.pk]})
    collections.save_paper(created, paper, note="keep me")
    client.post(f"/papers/{paper.pk}/save", {"shown": [created.pk], "collection": [created.pk]})
    assert item_rows(created) == [(paper.pk, "keep me", 0, False)]
    client.post(f"/papers/{paper.pk}/save", {"shown": [created.pk]})
    assert item_rows(created) == []
    # without htmx: back to the page the reader came from
    response = client.post(f"/papers/{paper.pk}/save", {"shown": [created.pk], "collection": [created.pk], "next": "/papers/trending"})
    assert response.status_code == 302 and response["Location"] == "/papers/trending"
    anonymous = Client().post(f"/papers/{paper.pk}/save", {"new_name": "x"}, **HTMX)
    assert anonymous.status_code == 204 and anonymous["HX-Redirect"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
def test_quotas_apply_on_the_web_as_in_the_api(member, papers, settings):
    settings.DAILYPAPERS_MAX_COLLECTIONS = 1
    settings.DAILYPAPERS_MAX_COLLECTION_ITEMS = 2
    client = logged_in(member)
    assert client.post("/collections", {"name": "One"}).status_code == 302
    second = client.post("/collections", {"name": "Two"})
    assert second.status_code == 409 and "1 collections" in second.content.decode()
    one = Collection.objects.get(name="One")
    for p in papers[:2]:
        client.post(f"/papers/{p.pk}/save", {"shown": [one.pk], "collection": [one.pk]})
    full = client.post(f"/papers/{papers[2].pk}/save", {"shown": [one.pk], "collection": [one.pk]}, **HTMX)
    assert full.status_code == 200 and "2 papers" in full.content.decode() and 'data-testid="save-error"' in full.content.decode()
    assert CollectionItem.objects.filter(collection=one).count() == 2
    popover_new = client.post(f"/papers/{papers[2].pk}/save", {"new_name": "Another"}, **HTMX).content.decode()
    assert "1 collections" in popover_new and not Collection.objects.filter(name="Another").exists()


@pytest.mark.django_db
def test_collection_writes_are_rate_limited(member, papers, settings, monkeypatch):
    settings.DAILYPAPERS_WRITE_RATE_PER_MINUTE = 3
    # one fixed minute: a test crossing a minute boundary would start a fresh count
    monkeypatch.setattr(ratelimit, "time", types.SimpleNamespace(time=lambda: 60 * 1_000_000 + 5.0))
    client = logged_in(member)
    client.post("/collections", {"name": "Busy"})
    busy = Collection.objects.get(name="Busy")
    statuses = [client.post(f"/papers/{p.pk}/save", {"shown": [busy.pk], "collection": [busy.pk]}).status_code for p in papers[:3]]
    assert statuses == [302, 302, 429]
    assert client.post(f"/collections/{busy.pk}/items/{papers[0].pk}", {"action": "read"}).status_code == 429
    assert CollectionItem.objects.filter(collection=busy).count() == 2


@pytest.mark.django_db
def test_payloads_in_collection_names_and_notes_render_inert(member, papers, mallory):
    client = logged_in(member)
    for i, payload in enumerate(PAYLOADS):
        paper = make_paper(day=timezone.localdate() - dt.timedelta(days=1), title=f"XSS {i}", id=f"2411.4{i:04d}")
        collection = collections.create_collection(member, f"List {i} {payload}", description=f"Desc {i} {payload}", is_public=True)
        collections.save_paper(collection, paper, note=f"Note {i} {payload}")
        for url in (f"/collections/{collection.pk}", f"/c/{collection.pk}"):
            body = client.get(url).content.decode()
            assert_inert_html(body, url)
        assert_inert_html(Client().get(f"/c/{collection.pk}").content.decode(), f"anonymous /c/{collection.pk}")
        assert_inert_html(client.get(f"/papers/{paper.pk}/save", **HTMX).content.decode(), "save popover")
    listing = client.get("/collections").content.decode()
    assert_inert_html(listing, "/collections")
    assert "List 0 &lt;script&gt;window.__xss=1&lt;/script&gt;" in listing  # there, escaped: the check saw it
    shared = Client().get(f"/c/{Collection.objects.get(name__startswith='List 0 ').pk}").content.decode()
    assert "Note 0 &lt;script&gt;window.__xss=1&lt;/script&gt;" in shared


@pytest.mark.django_db
def test_control_characters_are_refused_by_web_and_api_alike(member, papers):
    web, api = logged_in(member), Client()
    _, raw = ApiToken.issue(member, "test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert web.post("/collections", {"name": "bad\x00name"}).status_code == 400
    response = api.post("/api/v1/collections", {"name": "bad\x00name"}, content_type="application/json", **auth)
    assert response.status_code == 400 and "control characters" in response.json()["detail"]
    good = collections.create_collection(member, "Fine\tname")  # a tab is text
    collections.save_paper(good, papers[0])
    assert web.post(f"/collections/{good.pk}/items/{papers[0].pk}", {"action": "note", "note": "x\x1by"}).status_code == 400
    put = api.put(f"/api/v1/collections/{good.pk}/items/{papers[0].pk}", {"note": "x\x1by"}, content_type="application/json", **auth)
    assert put.status_code == 400
    assert Collection.objects.filter(owner=member).count() == 1 and item_rows(good) == [(papers[0].pk, "", 0, False)]
