"""NUL characters in the path or the query are refused with 400 on every database (PostgreSQL cannot
take them in text parameters; they were a 500 there), with a message in each error shape."""

import pytest

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
