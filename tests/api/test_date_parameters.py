"""One date rule for every date parameter: ``YYYY-MM-DD`` exactly, a calendar day in the site's
years (1900–2999, stated in the OpenAPI schema). Before, ``published_to=0`` was taken as a Unix time
(1970-01-01) and ``20240101`` passed as a date."""

import pytest

from dailypapers.papers.periods import DAY_PATTERN, YEARS

pytestmark = pytest.mark.django_db

BAD = ["0", "1", "20240101", "2024-02-30", "2024-1-1", "1899-12-31", "3000-01-01", "2024-W01-1", "2024-01-01T00:00"]
DATE_PARAMETERS = [
    ("/api/v1/papers", "published_from"), ("/api/v1/papers", "published_to"),
    ("/api/v1/search?q=attention", "published_from"), ("/api/v1/search?q=attention", "published_to"),
    ("/search?q=attention", "from"), ("/search?q=attention", "to"),
    ("/feeds/search.rss?q=attention", "from"),
    ("/api/daily_papers", "date"),
]


@pytest.mark.parametrize("url, name", DATE_PARAMETERS)
def test_every_date_parameter_refuses_what_is_not_a_day_in_range(client, url, name):
    for value in BAD:
        response = client.get(url + ("&" if "?" in url else "?") + f"{name}={value}")
        assert 400 <= response.status_code < 500, (url, name, value, response.status_code)
    good = client.get(url + ("&" if "?" in url else "?") + f"{name}=2024-02-29")
    assert good.status_code == 200, (url, name, good.content[:200])


def test_the_message_states_the_years(client):
    response = client.get("/api/v1/search?q=attention&published_to=3000-01-01")
    assert YEARS in str(response.json()["detail"])


def test_the_schema_states_the_format_and_years(client):
    schema = client.get("/api/v1/openapi.json").json()
    params = {p["name"]: p for p in schema["paths"]["/api/v1/papers"]["get"]["parameters"]}
    for name in ("published_from", "published_to"):
        found = params[name]["schema"]
        variants = found.get("anyOf", [found])
        assert any(v.get("pattern") == DAY_PATTERN and v.get("format") == "date" and YEARS in v.get("description", "") for v in variants), found
