"""NUL characters are refused with 400 on every database, wherever they come: the path, the query,
and the text of any submitted body (form fields, JSON strings) — PostgreSQL cannot take them in text
(they were a 500 there; a comment with one was stored on SQLite), with a message in each error shape."""

import json

import pytest

from dailypapers.community.models import Comment

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["category=%00", "organization=x&organization=%00", "q=a%00b", "x%00=1"])
def test_a_nul_in_the_query_is_a_400_in_each_error_shape(client, query):
    page = client.get("/", QUERY_STRING=query)
    assert page.status_code == 400 and b"NUL" in page.content
    assert client.get("/search", QUERY_STRING=query).status_code == 400
    assert "NUL" in client.get("/api/v1/papers", QUERY_STRING=query).json()["detail"]
    assert "NUL" in client.get("/api/daily_papers", QUERY_STRING=query).json()["error"]


def test_a_nul_in_the_path_is_a_400(client):
    assert client.get("/api/v1/organizations/a%00b").status_code == 400
    assert "NUL" in client.get("/api/v1/organizations/a%00b").json()["detail"]


# The names members' text goes in, across the site's forms and APIs (comments, collections, notes,
# reports, profiles, submissions, follows, links); a NUL anywhere in a body is refused, so the
# test need not know which field each route reads.
TEXT_FIELDS = ("text", "comment", "name", "description", "note", "reason", "bio", "display_name", "paper", "target",
               "q", "githubRepo", "projectPage", "organization", "email", "message")


def test_every_route_refuses_a_nul_in_a_form_or_json_body(client, member, routed_site):
    client.force_login(member)
    failures = []
    for route in routed_site["routes"]:
        form = {name: "a\x00b" for name in TEXT_FIELDS}
        answers = [client.post(route.url, form)]
        payload = json.dumps({**{name: "a\x00b" for name in TEXT_FIELDS}, "kind": "search", "nested": [{"x": "\x00"}]})
        for method in (client.post, client.put, client.patch) if route.url.startswith("/api/") else (client.post,):
            answers.append(method(route.url, payload, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {routed_site['raw']}"))
        for response in answers:
            body = response.content.decode("utf-8", "replace")
            if response.status_code != 400 or "NUL" not in body:
                failures.append(f"{response.request['REQUEST_METHOD']} {route.url}: {response.status_code} {body[:120]!r}")
    assert not failures, "\n".join(failures)


def test_a_nul_only_inside_a_json_body_is_refused_and_nothing_is_stored(client, member, routed_site):
    """End to end on the comment paths (web form, native API, HF API): 400 with the message, no row."""
    paper, auth = routed_site["paper"], {"HTTP_AUTHORIZATION": f"Bearer {routed_site['raw']}"}
    before = Comment.objects.count()
    native = client.post(f"/api/v1/papers/{paper.pk}/comments", {"text": "hello\x00world"}, content_type="application/json", **auth)
    hf = client.post(f"/api/papers/{paper.pk}/comment", {"comment": "hi\x00"}, content_type="application/json", **auth)
    client.force_login(member)
    page = client.post(f"/papers/{paper.pk}/comments/new", {"text": "hi\x00there"})
    assert (native.status_code, hf.status_code, page.status_code) == (400, 400, 400)
    assert "NUL" in native.json()["detail"] and "NUL" in hf.json()["error"] and b"NUL" in page.content
    assert Comment.objects.count() == before


def test_text_that_only_talks_about_escapes_is_taken(client, routed_site):
    """A backslash-u0000 written as text (six characters) is no NUL."""
    paper, auth = routed_site["paper"], {"HTTP_AUTHORIZATION": f"Bearer {routed_site['raw']}"}
    response = client.post(f"/api/v1/papers/{paper.pk}/comments", {"text": r"JSON writes NUL as \u0000"}, content_type="application/json", **auth)
    assert response.status_code == 201, response.content
    assert Comment.objects.filter(source__contains=r"\u0000").exists()
