"""What every endpoint owes a client whatever it sends: HEAD where GET works, a clear 400 for control
characters in feed parameters (XML cannot carry them), and the API docs without a CDN."""

import re

import pytest

pytestmark = pytest.mark.django_db

GET_PAGES = ["/", "/papers/trending", "/about/ranking", "/search?q=attention", "/feeds/daily.rss", "/api/daily_papers",
             "/api/v1/days/latest", "/api/v1/docs", "/digests/subscribe", "/accounts/login/"]


@pytest.mark.parametrize("url", GET_PAGES)
def test_head_is_answered_wherever_get_is(client, sample_papers, url):
    got = client.get(url)
    head = client.head(url)
    assert got.status_code == 200, url
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Type"] == got["Content-Type"]
    assert int(head["Content-Length"]) == len(got.content)


@pytest.mark.parametrize(
    "url",
    ["/feeds/search.rss?q=a%01", "/feeds/daily.rss?category=%00", "/feeds/search.atom?q=%7f",
     "/feeds/trending.atom?organization=%1b", "/feeds/categories/cs.CL.rss?x%00=1"],
)
def test_control_characters_in_feed_parameters_are_a_clear_400(client, url):
    response = client.get(url)
    assert response.status_code == 400, url
    assert "control characters" in response.content.decode()


def test_tab_and_newline_in_a_feed_query_are_fine(client, sample_papers):
    assert client.get("/feeds/search.rss?q=large%09language%0Amodels").status_code == 200


def test_api_docs_load_swagger_from_this_site(client):
    html = client.get("/api/v1/docs").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert assets and all(a.startswith("/static/") for a in assets), assets
    assert "cdn" not in html.lower()
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert len(body) > 1000


def test_pages_carry_a_content_security_policy(client, sample_papers):
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy


def test_the_data_dir_is_private_to_the_site_user(settings, sample_papers):
    import stat

    assert stat.S_IMODE(settings.DATA_DIR.stat().st_mode) == 0o700
    written = settings.DATA_DIR / "probe-file"
    written.write_text("x")  # as SQLite's WAL, the mail files and the index files are written
    try:
        assert stat.S_IMODE(written.stat().st_mode) == 0o600
    finally:
        written.unlink()
