"""NUL characters: dropped from the query and refused (400) in the path, on every database
(PostgreSQL cannot take them in text parameters; they were a 500 there)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["category=%00", "organization=x&organization=%00", "q=a%00b"])
def test_nul_characters_are_dropped_from_the_query(client, query):
    assert client.get("/", QUERY_STRING=query).status_code == 200
    assert client.get("/api/v1/papers", QUERY_STRING=query).status_code in {200, 400}
    assert client.get("/search", QUERY_STRING=query).status_code == 200


def test_what_remains_of_a_value_is_what_the_view_reads(rf):
    from dailypapers.middleware import QueryStringLimitMiddleware

    seen = {}
    request = rf.get("/", QUERY_STRING="q=a%00b&category=%00")
    assert request.GET["q"] == "a\x00b"  # parsed before the middleware: parsed again after it
    QueryStringLimitMiddleware(lambda r: seen.update(r.GET.dict()))(request)
    assert seen == {"q": "ab", "category": ""}


def test_a_nul_in_the_path_is_a_400(client):
    assert client.get("/api/v1/organizations/a%00b").status_code == 400
    assert "NUL" in client.get("/api/v1/organizations/a%00b").json()["detail"]
