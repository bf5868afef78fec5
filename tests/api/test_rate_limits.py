"""Every rate-limited endpoint answers 429 with Retry-After, in its own kind of body.

The counters are filled beforehand under the key the endpoint uses, so a single request must be refused;
the search endpoints all share one key per client (member, else address).
"""

import types

import pytest

from dailypapers.accounts.models import ApiToken
from dailypapers.lib import ratelimit
from dailypapers.lib.ratelimit import RateLimited, count_per_minute

ADDRESS_KEY = "ip:127.0.0.1"  # the test client's REMOTE_ADDR


@pytest.fixture(autouse=True)
def one_minute(monkeypatch):
    """The counters' clock stands still mid-minute: filled and checked in the same window, however
    slowly a loaded machine runs the request (a minute boundary between the two made this flaky)."""
    monkeypatch.setattr(ratelimit, "time", types.SimpleNamespace(time=lambda: 1_700_000_010.0))


def exhaust(key, scope: str, per_minute: int = 1) -> None:
    with pytest.raises(RateLimited):
        for _ in range(per_minute + 1):
            count_per_minute(key, scope=scope, per_minute=per_minute)


def assert_429(response) -> None:
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60


@pytest.mark.parametrize(
    "url, body",
    [
        ("/search?q=attention", lambda r: "too many requests" in r.content.decode() and "<html" in r.content.decode()),
        ("/api/papers/search?q=attention", lambda r: "too many requests" in r.json()["error"]),
        ("/api/v1/search?q=attention", lambda r: "too many requests" in r.json()["detail"]),
        ("/feeds/search.rss?q=attention", lambda r: r.content.decode().startswith("too many requests")),
        ("/feeds/search.atom?q=attention", lambda r: r.content.decode().startswith("too many requests")),
    ],
)
def test_searches_share_one_limit_per_client_address(client, catalog, settings, url, body):
    settings.DAILYPAPERS_SEARCH_RATE_PER_MINUTE = 1
    exhaust(ADDRESS_KEY, "search")
    response = client.get(url)
    assert_429(response)
    assert body(response)


def test_a_signed_in_member_searches_under_their_own_key(client, catalog, member, settings):
    settings.DAILYPAPERS_SEARCH_RATE_PER_MINUTE = 1
    exhaust(ADDRESS_KEY, "search")  # the address is used up, the member is not
    client.force_login(member)
    assert client.get("/search?q=attention").status_code == 200
    exhaust(f"member:{member.pk}", "search")
    assert_429(client.get("/api/papers/search?q=attention"))


def test_digest_sign_ups_are_limited_per_address_with_the_form(client, db, settings):
    settings.DAILYPAPERS_DIGEST_SUBSCRIBE_PER_MINUTE = 1
    exhaust(ADDRESS_KEY, "digest-subscribe")
    response = client.post("/digests/subscribe", {"email": "someone@example.org", "frequency": "daily"})
    assert_429(response)
    assert "Too many sign-ups" in response.content.decode()


@pytest.mark.parametrize(
    "scope, method, url, data, body",
    [
        ("write", "post", "/papers/1706.03762/upvote", {"voted": "1"}, "too many requests"),
        ("write", "post", "/digests/settings", {"frequency": "daily"}, "Too many changes"),
        ("write", "post", "/papers/submit", {"paper": "1706.03762"}, "too many requests"),
        ("api-token", "post", "/settings/api-tokens", {"name": "laptop"}, "too many requests"),
    ],
)
def test_member_writes_on_pages_answer_429(client, catalog, member, settings, scope, method, url, data, body):
    settings.DAILYPAPERS_WRITE_RATE_PER_MINUTE = 1
    exhaust(member.pk, scope)
    client.force_login(member)
    response = getattr(client, method)(url, data)
    assert_429(response)
    assert body in response.content.decode()


def test_api_writes_answer_429_with_detail(client, catalog, member, settings):
    settings.DAILYPAPERS_WRITE_RATE_PER_MINUTE = 1
    _, secret = ApiToken.issue(member, "t")
    exhaust(member.pk, "write")
    response = client.post("/api/v1/papers/1706.03762/upvote", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert_429(response)
    assert "too many requests" in response.json()["detail"]


def test_web_and_api_writes_share_one_budget(client, catalog, member, settings):
    """The documented limit is per member: upvotes on pages, submissions and API writes together
    (they were separate buckets: twice the documented rate)."""
    settings.DAILYPAPERS_WRITE_RATE_PER_MINUTE = 2
    _, secret = ApiToken.issue(member, "t")
    client.force_login(member)
    assert client.post("/papers/1706.03762/upvote", {"voted": "1"}).status_code in (200, 302)
    assert client.post("/api/v1/papers/1706.03762/upvote", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    assert_429(client.post("/api/v1/papers/2106.09685/upvote", HTTP_AUTHORIZATION=f"Bearer {secret}"))
    assert_429(client.post("/papers/2106.09685/upvote", {"voted": "1"}))
