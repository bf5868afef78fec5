"""The native API under /api/v1/: reads, token-authenticated writes, errors and rate limits."""

import re

import pytest

from dailypapers.accounts.models import ApiToken
from dailypapers.papers.models import Collection, DailyEntry, Paper, Upvote


@pytest.fixture
def token(member):
    return ApiToken.issue(member, "tests")[1]


@pytest.fixture
def auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_papers_list_filters_and_sorts(client, catalog):
    body = client.get("/api/v1/papers").json()
    assert body["count"] == Paper.objects.count() == 6
    ids = [p["id"] for p in body["items"]]
    assert ids[-1] == "hep-th/9711200"  # oldest publication last
    by_votes = [p["id"] for p in client.get("/api/v1/papers?sort=upvotes&limit=2").json()["items"]]
    assert by_votes == ["1706.03762", "2106.09685"]
    cl = client.get("/api/v1/papers?category=cs.CL").json()
    assert {p["id"] for p in cl["items"]} == {"1706.03762", "2106.09685", "1810.04805", "2005.14165"}
    code = client.get("/api/v1/papers?has_code=true").json()
    assert {p["id"] for p in code["items"]} == {"2205.13147", "2106.09685"}
    google = client.get("/api/v1/papers?organization=google").json()
    assert {p["id"] for p in google["items"]} == {"1706.03762", "1810.04805"}
    page = client.get("/api/v1/papers?limit=2&offset=4").json()
    assert [p["id"] for p in page["items"]] == ids[4:6]


def test_paper_detail_has_authors_entry_and_links(client, catalog, member):
    paper = client.get("/api/v1/papers/2106.09685").json()
    assert paper["authors"] == ["Edward J. Hu", "Yelong Shen", "Phillip Wallis"]
    assert paper["submitted_by"] == "ada" and paper["daily_date"] == str(DailyEntry.objects.get(paper_id="2106.09685").date)
    assert paper["organization"]["slug"] == "microsoft" and paper["arxiv_url"] == "https://arxiv.org/abs/2106.09685"
    assert client.get("/api/v1/papers/hep-th/9711200").json()["title"].startswith("The Large N Limit")
    missing = client.get("/api/v1/papers/2401.99999")
    assert missing.status_code == 404 and "2401.99999" in missing.json()["detail"]


def test_periods_and_trending(client, catalog):
    today = catalog
    day = client.get(f"/api/v1/days/{today}").json()
    assert [p["id"] for p in day["items"]] == ["1706.03762", "2205.13147"]  # by upvotes
    assert day["previous"] == str(today.fromordinal(today.toordinal() - 1))
    assert client.get("/api/v1/days/latest").json()["key"] == str(today)
    assert client.get(f"/api/v1/days/{today}?has_code=1").json()["count"] == 1
    week_key = f"{today.isocalendar()[0]}-W{today.isocalendar()[1]:02d}"
    week = client.get(f"/api/v1/weeks/{week_key}").json()
    assert week["kind"] == "week" and "1706.03762" in [p["id"] for p in week["items"]]
    assert client.get(f"/api/v1/months/{today:%Y-%m}").json()["count"] >= 2
    bad = client.get("/api/v1/days/2024-02-30")
    assert bad.status_code == 400 and "not a valid day" in bad.json()["detail"]
    trending = client.get("/api/v1/trending?limit=3").json()
    scores = [p["trending_score"] for p in trending["items"]]
    assert len(scores) == 3 and scores == sorted(scores, reverse=True)
    assert trending["gravity"] == 1.5


def test_validation_errors_are_json_4xx(client, catalog):
    for url in ("/api/v1/papers?limit=0", "/api/v1/papers?limit=abc", "/api/v1/papers?sort=random", "/api/v1/search"):
        response = client.get(url)
        assert response.status_code == 422, url
        assert isinstance(response.json()["detail"], list)


def test_search_and_similar_through_the_backend(client, catalog):
    from dailypapers.search import get_backend

    found = client.get("/api/v1/search?q=low-rank adaptation").json()
    assert found["items"][0]["id"] == "2106.09685" and "<mark>" in found["items"][0]["title_highlight"]
    filtered = client.get("/api/v1/search?q=transformers&category=hep-th").json()
    assert filtered["items"] == []
    # A small index counts matches exactly (big unfiltered unions are estimated and say so).
    assert found["total_exact"] is True and filtered["total"] == 0 and filtered["total_exact"] is True
    exact = client.get("/api/v1/search?q=https://arxiv.org/abs/1706.03762").json()
    assert exact["exact_paper_id"] == "1706.03762"
    get_backend().embed_pending()
    similar = client.get("/api/v1/papers/1810.04805/similar?limit=3").json()
    assert len(similar) == 3 and "1810.04805" not in [p["id"] for p in similar]
    assert client.get("/api/v1/papers/2401.99999/similar").status_code == 404


def test_organizations(client, catalog):
    orgs = client.get("/api/v1/organizations").json()
    assert {o["slug"] for o in orgs["items"]} == {"uw", "google", "microsoft"}
    assert client.get("/api/v1/organizations/google").json()["name"] == "Google"
    papers = client.get("/api/v1/organizations/google/papers").json()
    assert [p["id"] for p in papers["items"]] == ["1706.03762", "1810.04805"]
    assert client.get("/api/v1/organizations/nope").status_code == 404


def test_writes_need_a_valid_token(client, catalog, member, token):
    assert client.post("/api/v1/papers/1706.03762/upvote").status_code == 401
    assert client.post("/api/v1/papers/1706.03762/upvote", HTTP_AUTHORIZATION="Bearer dp_wrong").status_code == 401
    ApiToken.objects.get(user=member).revoke()
    response = client.post("/api/v1/papers/1706.03762/upvote", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401 and response.json() == {"detail": "Unauthorized"}
    # A logged-in browser session is not an API credential.
    client.force_login(member)
    assert client.post("/api/v1/papers/1706.03762/upvote").status_code == 401


def test_upvote_and_withdraw(client, catalog, member, auth):
    before = Paper.objects.get(pk="1706.03762").upvotes
    first = client.post("/api/v1/papers/1706.03762/upvote", **auth).json()
    again = client.post("/api/v1/papers/1706.03762/upvote", **auth).json()
    assert first == again == {"id": "1706.03762", "voted": True, "upvotes": before + 1}
    assert Upvote.objects.filter(user=member, paper_id="1706.03762").count() == 1
    gone = client.delete("/api/v1/papers/1706.03762/upvote", **auth).json()
    assert gone["voted"] is False and gone["upvotes"] == before
    assert client.post("/api/v1/papers/2401.99999/upvote", **auth).status_code == 404
    me = client.get("/api/v1/me", **auth).json()
    assert me == {"username": "ada", "upvotes": 0, "collections": 0}


def test_writes_are_rate_limited_with_retry_after(client, catalog, auth, settings):
    settings.DAILYPAPERS_WRITE_RATE_PER_MINUTE = 3
    statuses = [client.post("/api/v1/papers/1706.03762/upvote", **auth).status_code for _ in range(4)]
    assert statuses[:3] == [200, 200, 200]
    limited = client.post("/api/v1/papers/1706.03762/upvote", **auth)
    assert limited.status_code == 429 and 1 <= int(limited["Retry-After"]) <= 60
    assert "too many requests" in limited.json()["detail"]


def test_submit_a_paper_to_todays_page(client, catalog, member, auth):
    response = client.post("/api/v1/submissions", {"paper": "https://arxiv.org/abs/2005.14165v2"}, content_type="application/json", **auth)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"] == "2005.14165" and body["submitted_by"] == "ada" and body["daily_date"] == str(catalog)
    entry = DailyEntry.objects.get(paper_id="2005.14165")
    assert entry.submitted_by == member
    again = client.post("/api/v1/submissions", {"paper": "2005.14165"}, content_type="application/json", **auth)
    assert again.status_code == 400 and "already on the page" in again.json()["detail"]
    garbage = client.post("/api/v1/submissions", {"paper": "not a paper"}, content_type="application/json", **auth)
    assert garbage.status_code == 400 and "arXiv" in garbage.json()["detail"]
    assert client.post("/api/v1/submissions", {}, content_type="application/json", **auth).status_code == 422


def test_collections_crud(client, catalog, member, auth, django_user_model):
    created = client.post("/api/v1/collections", {"name": "Embeddings", "description": "to read"}, content_type="application/json", **auth)
    assert created.status_code == 201
    cid = created.json()["id"]
    dup = client.post("/api/v1/collections", {"name": "Embeddings"}, content_type="application/json", **auth)
    assert dup.status_code == 409 and "already" in dup.json()["detail"]
    for pid, note in (("2205.13147", "nested dims"), ("hep-th/9711200", ""), ("1706.03762", "classic")):
        put = client.put(f"/api/v1/collections/{cid}/items/{pid}", {"note": note}, content_type="application/json", **auth)
        assert put.status_code == 200 and put.json()["paper"]["id"] == pid
    moved = client.put(f"/api/v1/collections/{cid}/items/1706.03762", {"note": "classic!", "position": 0}, content_type="application/json", **auth)
    assert moved.json()["note"] == "classic!"
    detail = client.get(f"/api/v1/collections/{cid}", **auth).json()
    assert [i["paper"]["id"] for i in detail["items"]] == ["2205.13147", "1706.03762", "hep-th/9711200"]
    assert detail["num_papers"] == 3 and detail["items"][0]["note"] == "nested dims"
    assert client.put(f"/api/v1/collections/{cid}/items/2401.99999", {}, content_type="application/json", **auth).status_code == 404

    # Private: neither the public endpoint nor another member sees it.
    assert client.get(f"/api/v1/public-collections/{cid}").status_code == 404
    other = ApiToken.issue(django_user_model.objects.create_user("bob", "bob@example.org", "pw-bob-123456"), "b")[1]
    assert client.get(f"/api/v1/collections/{cid}", HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 404
    assert client.delete(f"/api/v1/collections/{cid}", HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 404

    patched = client.patch(f"/api/v1/collections/{cid}", {"is_public": True, "name": "Embeddings 2"}, content_type="application/json", **auth)
    assert patched.json()["is_public"] is True and patched.json()["name"] == "Embeddings 2"
    assert client.get(f"/api/v1/public-collections/{cid}").json()["owner"] == "ada"
    assert [c["name"] for c in client.get("/api/v1/collections", **auth).json()] == ["Embeddings 2"]

    assert client.delete(f"/api/v1/collections/{cid}/items/hep-th/9711200", **auth).status_code == 204
    assert client.delete(f"/api/v1/collections/{cid}/items/hep-th/9711200", **auth).status_code == 404
    assert client.delete(f"/api/v1/collections/{cid}", **auth).status_code == 204
    assert not Collection.objects.filter(pk=cid).exists()


def test_openapi_document_and_docs_page(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/papers", "/api/v1/search", "/api/v1/trending", "/api/v1/collections", "/api/v1/days/{date}"):
        assert path in schema["paths"], path
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    assert client.get("/api/v1/docs").status_code == 200


def test_token_is_created_on_the_settings_page_and_shown_once(client, member):
    client.force_login(member)
    page = client.post("/settings/api-tokens", {"name": "my bot"}, follow=True)
    assert page.redirect_chain == [("/settings/api-tokens", 302)]  # POST-redirect-GET: no secret in the URL
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    raw = re.search(r'id="new-token-value">(dp_[^<]+)<', page.content.decode()).group(1)
    token = ApiToken.objects.get(user=member)
    assert raw not in str(ApiToken.objects.filter(pk=token.pk).values().get())  # only the hash is stored
    assert ApiToken.user_for(raw) == member
    listing = client.get("/settings/api-tokens").content.decode()
    assert "my bot" in listing and raw not in listing and token.visible_prefix in listing
    assert client.post("/settings/api-tokens", {"name": " "}).status_code == 400
    client.post(f"/settings/api-tokens/{token.pk}/revoke")
    assert ApiToken.user_for(raw) is None
    client.logout()
    assert client.get("/settings/api-tokens").status_code == 302  # to the login page


def test_admin_issues_a_token_and_shows_it_once(admin_client, member):
    response = admin_client.post("/admin/accounts/apitoken/add/", {"user": member.pk, "name": "ops"}, follow=True)
    raw = re.search(r"(dp_[A-Za-z0-9_\-]{20,})", response.content.decode()).group(1)
    assert ApiToken.user_for(raw) == member
    assert raw not in admin_client.get("/admin/accounts/apitoken/").content.decode()


@pytest.mark.parametrize(
    "url",
    ["/api/v1/days/9999-12-31", "/api/v1/days/0001-01-01", "/api/v1/weeks/9999-W52", "/api/v1/months/0001-01",
     "/api/daily_papers?week=9999-W52", "/api/daily_papers?date=0001-01-01", "/api/daily_papers?month=9999-12"],
)
def test_calendar_edges_are_a_json_4xx(client, url):
    response = client.get(url)
    assert 400 <= response.status_code < 500, (url, response.status_code)
    assert response["Content-Type"].startswith("application/json") and response.json()


@pytest.mark.parametrize(
    "body", ["[null, null]", '"x"', "{not json", '{"is_public": "yes"}', '{"is_public": 1}', '{"name": null}',
             '{"is_public": null}', '{"bogus": 1}', '{"name": ""}'],
)
def test_collection_patch_takes_only_a_well_typed_object(client, catalog, auth, body):
    import json

    created = client.post("/api/v1/collections", json.dumps({"name": "Reading"}), content_type="application/json", **auth)
    collection_id = created.json()["id"]
    response = client.patch(f"/api/v1/collections/{collection_id}", body, content_type="application/json", **auth)
    assert response.status_code in (400, 422), (body, response.status_code, response.content)
    assert response.json()["detail"]
    after = client.get(f"/api/v1/collections/{collection_id}", **auth).json()
    assert (after["name"], after["is_public"]) == ("Reading", False)


def test_period_formats_are_in_the_schema(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    patterns = {
        path: [p["schema"].get("pattern") for p in op["get"]["parameters"] if p["in"] == "path"][0]
        for path, op in paths.items() if path in {"/api/v1/days/{date}", "/api/v1/weeks/{week}", "/api/v1/months/{month}"}
    }
    from dailypapers.papers.periods import DAY_PATTERN, MONTH_PATTERN, WEEK_PATTERN

    assert patterns == {"/api/v1/days/{date}": DAY_PATTERN, "/api/v1/weeks/{week}": WEEK_PATTERN, "/api/v1/months/{month}": MONTH_PATTERN}


@pytest.mark.parametrize(
    "method, url", [("put", "/api/v1/papers"), ("delete", "/api/daily_papers"), ("post", "/api/papers/search"),
                    ("get", "/api/v1/no-such-endpoint"), ("get", "/api/no-such-endpoint")],
)
def test_api_errors_are_json_whatever_answers(client, db, method, url):
    response = getattr(client, method)(url)
    assert response.status_code in (404, 405)
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body.get("detail" if url.startswith("/api/v1/") else "error")
    if response.status_code == 405:
        assert response["Allow"]


def test_an_oversized_api_body_is_a_json_413(client, catalog, auth, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post("/api/v1/collections", '{"name": "' + "x" * 5000 + '"}', content_type="application/json", **auth)
    assert response.status_code == 413 and "larger than 1000 bytes" in response.json()["detail"]


def test_collections_have_a_quota_per_member_and_per_collection(client, catalog, auth, settings):
    settings.DAILYPAPERS_MAX_COLLECTIONS = 2
    settings.DAILYPAPERS_MAX_COLLECTION_ITEMS = 2
    ids = [client.post("/api/v1/collections", {"name": f"List {n}"}, content_type="application/json", **auth).json()["id"] for n in (1, 2)]
    third = client.post("/api/v1/collections", {"name": "List 3"}, content_type="application/json", **auth)
    assert third.status_code == 409 and "2 collections" in third.json()["detail"]
    assert Collection.objects.count() == 2

    cid = ids[0]
    for pid in ("2205.13147", "1706.03762"):
        assert client.put(f"/api/v1/collections/{cid}/items/{pid}", {}, content_type="application/json", **auth).status_code == 200
    full = client.put(f"/api/v1/collections/{cid}/items/hep-th/9711200", {}, content_type="application/json", **auth)
    assert full.status_code == 409 and "2 papers" in full.json()["detail"]
    # a paper already in the full collection can still get a new note; after a removal there is room again
    assert client.put(f"/api/v1/collections/{cid}/items/1706.03762", {"note": "kept"}, content_type="application/json", **auth).status_code == 200
    assert client.delete(f"/api/v1/collections/{cid}/items/1706.03762", **auth).status_code == 204
    assert client.put(f"/api/v1/collections/{cid}/items/hep-th/9711200", {}, content_type="application/json", **auth).status_code == 200
    assert client.delete(f"/api/v1/collections/{ids[1]}", **auth).status_code == 204
    assert client.post("/api/v1/collections", {"name": "List 3"}, content_type="application/json", **auth).status_code == 201
