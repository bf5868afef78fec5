"""CSRF and authorization, generated from the URLconf and the OpenAPI document.

Every route (a new one too) gets forged writes from a logged-in member's browser session without
a CSRF token; every secured API operation is tried without a token and with a revoked one; every
operation on a member-owned object is tried with another member's token.
"""

import json

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone

from dailypapers.accounts.models import ApiToken
from dailypapers.papers.models import Collection, CollectionItem

UNSAFE = ("post", "put", "patch", "delete")



def database_snapshot() -> dict[str, list]:
    """Every row of every model, except sessions (the forged request's own session is not state
    an attacker controls)."""
    snapshot = {}
    for model in apps.get_models():
        if model._meta.label in ("sessions.Session",):
            continue
        snapshot[model._meta.label] = sorted(map(repr, model.objects.values_list()))
    return snapshot


def changed_tables(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after[label]]


@pytest.fixture
def browser_session(member, owned):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    return client


def test_every_route_becomes_a_concrete_url(routes):
    from django.urls import resolve

    assert len(routes) > 100
    for route in routes:
        resolve(route.url)  # a URL built from a pattern must reach some view (an earlier one may win)


HF_TOKEN_WRITES = {"hf_paper_comment", "hf_paper_comment_reply", "hf_claim_paper_author", "hf_papers_index", "hf_paper_links"}


def test_forged_writes_from_a_member_session_never_succeed(routes, browser_session, samples):
    secured = {
        (method, fill_path(path, samples))
        for path, method, operation, _ in openapi_operations(Client())
        if operation.get("security")
    }
    # The HF-compatible Bearer-token writes are plain views, outside the OpenAPI document.
    secured |= {("post", route.url) for route in routes if route.name in HF_TOKEN_WRITES}
    before = database_snapshot()
    failures = []
    for route in routes:
        for method in UNSAFE:
            response = getattr(browser_session, method)(route.url, data=json.dumps({"name": "forged"}), content_type="application/json")
            status = response.status_code
            if (method, route.url) in secured:
                # Bearer-token API: CSRF-exempt by design, so the session cookie must not count.
                ok = status == 401
            else:
                # 403 (CSRF), 405/404 where no write is taken, 400 for a signed link that does not verify.
                ok = status in (400, 403, 404, 405)
            if not ok:
                failures.append(f"{method.upper()} {route.url} ({route.pattern}) -> {status}")
    assert not failures, "\n".join(failures)
    assert changed_tables(before, database_snapshot()) == []


def test_forged_write_check_can_fail(browser_session, owned):
    """The same request with the CSRF token does succeed: the test above would see it."""
    browser_session.get("/settings/api-tokens")
    csrf = browser_session.cookies["csrftoken"].value
    response = browser_session.post(f"/settings/api-tokens/{owned['token'].pk}/revoke", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code in (200, 302)
    owned["token"].refresh_from_db()
    assert owned["token"].revoked_at is not None


def openapi_operations(client):
    document = client.get("/api/v1/openapi.json").json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation, document


def resolve_ref(document, schema):
    while "$ref" in schema:
        node = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def example_body(document, operation) -> dict | None:
    """A valid body built from the request schema (every property, a plausible value by type)."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    schema = resolve_ref(document, content["schema"])
    by_type = {"string": "intruder", "boolean": True, "integer": 1, "number": 1}
    body = {}
    for name, prop in schema.get("properties", {}).items():
        prop = resolve_ref(document, prop)
        kind = prop.get("type") or next((t.get("type") for t in prop.get("anyOf", []) if t.get("type") != "null"), "string")
        body[name] = by_type.get(kind, "intruder")
    return body


PUBLIC_PATH_PARAMS = {"paper_id", "slug", "date", "week", "month", "position"}
MEMBER_OWNED_PATH_PARAMS = {"collection_id"}


def fill_path(path: str, samples: dict) -> str:
    import re

    def value(m):
        name = m.group(1)
        assert name in PUBLIC_PATH_PARAMS | MEMBER_OWNED_PATH_PARAMS, (
            f"{path}: path parameter {name!r} is neither public nor member-owned; add it to one table"
        )
        return samples[name]

    return re.sub(r"\{(\w+)\}", value, path)


def call(client, method, url, body, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return getattr(client, method)(url, data=json.dumps(body) if body is not None else None, content_type="application/json", **headers)


def test_secured_operations_refuse_missing_and_revoked_tokens(owned, samples, member):
    client = Client()
    _, revoked_raw = ApiToken.issue(member, "old")
    ApiToken.objects.filter(name="old").update(revoked_at=timezone.now())
    secured = 0
    before = database_snapshot()
    for path, method, operation, document in openapi_operations(client):
        if not operation.get("security"):
            continue
        secured += 1
        url, body = fill_path(path, samples), example_body(document, operation)
        for token in (None, revoked_raw, "dp_" + "x" * 40):
            response = call(client, method, url, body, token)
            assert response.status_code == 401, (method, url, token, response.content[:200])
            assert response["Content-Type"].startswith("application/json")
    assert secured >= 9
    assert changed_tables(before, database_snapshot()) == []


def collection_state(collection):
    return (
        list(Collection.objects.filter(pk=collection.pk).values_list()),
        list(CollectionItem.objects.filter(collection=collection).values_list()),
    )


def test_member_owned_objects_are_invisible_to_other_members(owned, samples, intruder):
    client = Client()
    _, intruder_raw = ApiToken.issue(intruder, "mallory")
    collection = owned["collection"]
    before = collection_state(collection)
    tried = 0
    for path, method, operation, document in openapi_operations(client):
        if not (operation.get("security") and MEMBER_OWNED_PATH_PARAMS & set(__import__("re").findall(r"\{(\w+)\}", path))):
            continue
        tried += 1
        url, body = fill_path(path, samples), example_body(document, operation)
        response = call(client, method, url, body, intruder_raw)
        assert response.status_code == 404, (method, url, response.content[:200])
        # The owner gets through the same call (the check above could fail), except for writes,
        # which are not replayed here.
        if method == "get":
            assert call(client, method, url, body, owned["raw"]).status_code == 200
    assert tried >= 5
    assert collection_state(collection) == before
