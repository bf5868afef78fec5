"""Every feed, RSS and Atom, checked against its specification's rules (not only that a parser
copes): RFC 4287 for Atom — one id, title and updated per feed and entry, RFC 3339 times, an author
on the feed or on every entry, one <author> per person with exactly one <name> (before: one
<author> held every name, and feeds had no feed-level author) — and RSS 2.0 for RSS."""

import email.utils
import re
import xml.etree.ElementTree as ET

import feedparser
import pytest

from dailypapers.discovery.services import feed_token
from dailypapers.papers.models import Organization, Paper

pytestmark = pytest.mark.django_db

A = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$")


@pytest.fixture
def feed_urls(catalog, member):
    org = Organization.objects.order_by("pk").first().slug
    prefixes = ["/feeds/daily", "/feeds/trending", f"/feeds/organizations/{org}", "/feeds/categories/cs.CL",
                f"/feeds/me/{feed_token(member)}"]
    urls = [f"{p}.{fmt}" for p in prefixes for fmt in ("rss", "atom")]
    return urls + ["/feeds/search.rss?q=attention", "/feeds/search.atom?q=attention"]


def one(parent, tag: str, where: str):
    found = parent.findall(tag)
    assert len(found) == 1, f"{where}: {len(found)} <{tag}>"
    return found[0]


def check_atom(root, url: str) -> list[list[str]]:
    assert root.tag == f"{A}feed", url
    for tag in ("id", "title", "updated"):
        one(root, f"{A}{tag}", url)
    assert RFC3339.match(root.find(f"{A}updated").text), url
    feed_authors = root.findall(f"{A}author")
    entries = root.findall(f"{A}entry")
    names = []
    for entry in entries:
        where = f"{url} entry {entry.findtext(f'{A}id')}"
        for tag in ("id", "title", "updated"):
            one(entry, f"{A}{tag}", where)
        assert RFC3339.match(entry.find(f"{A}updated").text), where
        assert any(link.get("rel", "alternate") == "alternate" for link in entry.findall(f"{A}link")) or entry.find(f"{A}content") is not None
        authors = entry.findall(f"{A}author")
        assert authors or feed_authors, f"{where}: no author, and the feed has none (RFC 4287 4.1.1)"
        for author in authors:
            name = one(author, f"{A}name", where).text or ""
            assert name.strip() and ", " not in name, f"{where}: an <author> holds several people: {name!r}"
        names.append([a.findtext(f"{A}name") for a in authors])
    return names


def check_rss(root, url: str) -> None:
    assert root.tag == "rss" and root.get("version") == "2.0", url
    channel = one(root, "channel", url)
    for tag in ("title", "link", "description"):
        assert (one(channel, tag, url).text or "").strip(), f"{url}: empty <{tag}>"
    for item in channel.findall("item"):
        where = f"{url} item {item.findtext('link')}"
        assert item.findtext("title") or item.findtext("description"), where
        if item.find("pubDate") is not None:
            assert email.utils.parsedate_to_datetime(item.findtext("pubDate")), where  # RFC 822
        for author in item.findall("author"):  # RSS 2.0: an e-mail address; names go in dc:creator
            assert "@" in (author.text or ""), f"{where}: <author> {author.text!r} is no e-mail address"
        guid = item.find("guid")
        assert guid is None or guid.get("isPermaLink", "true") != "true" or guid.text.startswith("http"), where


def test_every_feed_follows_its_specification(client, feed_urls):
    for url in feed_urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:200])
        root = ET.fromstring(response.content)
        if url.split("?")[0].endswith(".atom"):
            check_atom(root, url)
        else:
            check_rss(root, url)
        assert not feedparser.parse(response.content).bozo, url


def test_atom_names_each_author_once_in_order(client, catalog):
    response = client.get("/feeds/daily.atom")
    names = check_atom(ET.fromstring(response.content), "/feeds/daily.atom")
    paper = Paper.objects.get(pk="1706.03762")
    expected = [a.shown_name for a in paper.authorships.all()]
    assert len(expected) > 1 and expected in names
    parsed = feedparser.parse(response.content).entries[0]
    assert [a["name"] for a in parsed.authors] == expected  # readers see each person
