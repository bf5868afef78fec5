"""NUL characters in a path or query are refused with 400 on every database (PostgreSQL cannot take
them in text parameters; without the refusal they were a 500 there)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["category=%00", "q=a%00b", "organization=x&organization=%00"])
def test_a_nul_in_the_query_is_a_400_in_each_error_shape(client, query):
    page = client.get("/", QUERY_STRING=query)
    assert page.status_code == 400 and b"NUL characters" in page.content
    assert "NUL" in client.get("/api/v1/papers", QUERY_STRING=query).json()["detail"]
    assert "NUL" in client.get("/api/daily_papers", QUERY_STRING=query).json()["error"]


def test_a_nul_in_the_path_is_a_400(client):
    assert client.get("/api/v1/organizations/a%00b").status_code == 400
    assert client.get("/?category=cs.LG").status_code == 200
