"""Every feed parses cleanly with feedparser in both formats and carries the expected papers."""

import re

import feedparser
import pytest

from dailypapers.papers.models import DailyEntry

FORMATS = [("rss", "rss20"), ("atom", "atom10")]


def parse(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    feed = feedparser.parse(response.content)
    assert not feed.bozo, (url, feed.get("bozo_exception"))
    return response, feed


def ids(feed) -> list[str]:
    return [re.sub(r"^http://testserver/papers/", "", e.link) for e in feed.entries]


@pytest.mark.parametrize("fmt, version", FORMATS)
def test_daily_feed(client, catalog, fmt, version):
    response, feed = parse(client, f"/feeds/daily.{fmt}")
    assert feed.version == version and response["Content-Type"].startswith(f"application/{fmt}+xml")
    # The last 7 days of pages, newest day first, by upvotes within a day: BERT (8 days ago) is out.
    assert ids(feed) == ["1706.03762", "2205.13147", "2106.09685"]
    first = feed.entries[0]
    assert first.title == "Attention Is All You Need"
    # RSS: one dc:creator with the names; Atom: an <author> each (feedparser's .author is one of them)
    assert "Ashish Vaswani" in " ".join(a.get("name", "") for a in first.authors) and "120 upvotes" in first.summary
    assert {t.term for t in first.tags} == {"cs.CL", "cs.LG"}
    assert first.published_parsed is not None
    assert feed.feed.link == "http://testserver/papers"
    _, code_only = parse(client, f"/feeds/daily.{fmt}?has_code=1")
    assert ids(code_only) == ["2205.13147", "2106.09685"]


@pytest.mark.parametrize("fmt, version", FORMATS)
def test_trending_feed(client, catalog, fmt, version):
    from dailypapers.papers.ranking import TrendingRanker

    _, feed = parse(client, f"/feeds/trending.{fmt}")
    assert ids(feed) == [e.paper_id for e in TrendingRanker.from_settings().rank(DailyEntry.objects.all())]


@pytest.mark.parametrize("fmt, version", FORMATS)
def test_organization_and_category_feeds(client, catalog, fmt, version):
    _, google = parse(client, f"/feeds/organizations/google.{fmt}")
    assert ids(google) == ["1706.03762", "1810.04805"] and "Google" in google.feed.title
    _, hep = parse(client, f"/feeds/categories/hep-th.{fmt}")
    assert ids(hep) == ["hep-th/9711200"]
    _, cl = parse(client, f"/feeds/categories/cs.CL.{fmt}")
    assert set(ids(cl)) == {"1706.03762", "2106.09685", "1810.04805", "2005.14165"}
    assert client.get(f"/feeds/organizations/nobody.{fmt}").status_code == 404


@pytest.mark.parametrize("fmt, version", FORMATS)
def test_saved_search_feed(client, catalog, fmt, version):
    _, feed = parse(client, f"/feeds/search.{fmt}?q=low-rank+adaptation")
    assert "2106.09685" in ids(feed)
    assert "low-rank adaptation" in feed.feed.title
    _, none = parse(client, f"/feeds/search.{fmt}?q=zzyzx+qwertyuiop")
    assert none.entries == []
    assert client.get(f"/feeds/search.{fmt}").status_code == 404
    assert client.get(f"/feeds/search.{fmt}?q=" + "x" * 300).status_code == 404


def test_titles_with_markup_are_escaped_not_interpreted(client, catalog):
    from dailypapers.papers.models import Paper

    Paper.objects.filter(pk="1706.03762").update(title="Attention <script>alert(1)</script> & You")
    for fmt, _ in FORMATS:
        response, feed = parse(client, f"/feeds/daily.{fmt}")
        assert b"<script>" not in response.content
        assert feed.entries[0].title == "Attention <script>alert(1)</script> & You"


def test_pages_link_their_feeds(client, catalog):
    def alternates(url):
        html = client.get(url).content.decode()
        return re.findall(r'<link rel="alternate" type="application/(rss|atom)\+xml" title="[^"]*" href="([^"]+)"', html)

    home = alternates("/")
    assert ("rss", "/feeds/daily.rss") in home and ("atom", "/feeds/daily.atom") in home
    assert ("rss", "/feeds/trending.rss") in alternates("/papers/trending")
    org = alternates("/organizations/google")
    assert ("atom", "/feeds/organizations/google.atom") in org and ("rss", "/feeds/daily.rss") in org
    filtered = alternates(f"/papers/date/{catalog}?category=cs.CL")
    assert ("rss", "/feeds/daily.rss?category=cs.CL") in filtered
    # Every linked feed answers.
    for _, href in home + org + filtered:
        assert client.get(href).status_code == 200


@pytest.mark.parametrize("fmt, version", FORMATS)
def test_outside_text_reaches_feed_readers_as_text(client, catalog, fmt, version):
    """An abstract is plain text: markup in it is shown, never run, and `p<0.05` reads as written."""
    from dailypapers.papers.models import Paper

    hostile = 'We find p<0.05 & more. <img src=x onerror="alert(1)"><script>alert(2)</script>'
    Paper.objects.filter(pk="1706.03762").update(abstract=hostile, title="Attention <b>Is</b> All")
    response, feed = parse(client, f"/feeds/daily.{fmt}")
    entry = next(e for e in feed.entries if e.link.endswith("1706.03762"))
    # feedparser hands readers the summary as HTML: the hostile text must arrive escaped.
    assert "<img" not in entry.summary and "<script" not in entry.summary
    assert "&lt;img src=x onerror=" in entry.summary and "p&lt;0.05 &amp; more" in entry.summary
    assert entry.title == "Attention <b>Is</b> All"  # a text construct: the characters, as written
    assert b"<img" not in response.content and b"<script" not in response.content
