"""An XSS corpus through every field that holds outside text and every surface that renders it.

Each payload sets ``window.__xss`` or calls ``alert`` if it ever runs. Server-side checks parse what
each surface returns (HTML, RSS/Atom, Markdown, JSON, mail, admin); the browser test loads the pages
and asserts nothing ran (tests/browser/test_xss_corpus_in_browser.py, beside the browser fixtures).
"""

import email
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import feedparser
import pytest
from django.test import Client
from django.utils import timezone
from markdown_it import MarkdownIt

from dailypapers.ingest.pipeline import IngestPipeline, SourceItem
from dailypapers.papers.models import Collection, CollectionItem, DailyEntry, Paper
from dailypapers.search import get_backend
from tests.digests.conftest import smtp, smtp_sink  # noqa: F401

PAYLOADS = [
    "<script>window.__xss=1</script>",
    "<img src=x onerror=window.__xss=1>",
    '"><svg onload=window.__xss=1>',
    "'><script>alert(1)</script>",
    "javascript:window.__xss=1",
    "[click](javascript:window.__xss=1)",
    "![x](javascript:alert(1))",
    '<a href="javascript:window.__xss=1">x</a>',
    "</title><script>window.__xss=1</script>",
    "]]><script>window.__xss=1</script><![CDATA[",
    "{{ 7*7 }}{% debug %}",
    "\u202e<scr\u200bipt>window.__xss=1</script>\ufeff",
    "<iframe srcdoc='<script>parent.__xss=1</script>'>",
    "<style>@import 'javascript:alert(1)'</style>",
]
# Elements a feed document never has of its own (RSS and Atom have their own <link>).
FEED_FORBIDDEN_TAGS = {"script", "iframe", "svg", "img", "object", "embed", "a", "style", "body", "html"}


class ElementCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_text.append(data)


def assert_inert_html(html: str, where: str):
    """No element, attribute, handler or URL that came from a payload."""
    parser = ElementCollector()
    parser.feed(html)
    for tag, attrs in parser.elements:
        for name, value in attrs.items():
            value = value or ""
            assert not (name.startswith("on") and ("__xss" in value or "alert" in value)), (where, tag, name, value)
            if name in ("href", "src", "action", "formaction", "srcdoc", "data"):
                assert not re.match(r"\s*(javascript|vbscript):", value, re.IGNORECASE), (where, tag, name, value)
                assert not (re.match(r"\s*data:", value, re.IGNORECASE) and value.strip() != "data:,"), (where, tag, name, value)
                assert "__xss" not in value or value.startswith(("http", "/", "?", "#")), (where, tag, name, value)
    assert not any("__xss" in text for text in parser.script_text), where


def payload_records(today):
    records = []
    for i, payload in enumerate(PAYLOADS):
        records.append({
            "id": f"2601.{i:05d}", "title": f"Title {i} {payload}", "abstract": f"Abstract {i} {payload}",
            "authors": [f"Author {i} {payload}"], "categories": ["cs.CL"], "published": today.isoformat(),
            "journal_ref": f"Journal {i} {payload}", "comments": f"Comments {i} {payload}",
            "organization": {"slug": f"evil{i}", "name": f"Org {i} {payload}"},
            "upvotes": 100 + i, "daily_date": today.isoformat(), "daily_submitted_at": f"{today.isoformat()}T08:00:00Z",
        })
    return records


@pytest.fixture
def poisoned(catalog, member):
    today = timezone.localdate()
    report = IngestPipeline("jsonl").run(SourceItem(location=f"xss {i}", data=r) for i, r in enumerate(payload_records(today)))
    assert report.rejected == 0, report.rejections
    get_backend().process_pending_updates()
    papers = list(Paper.objects.filter(pk__startswith="2601."))
    assert len(papers) == len(PAYLOADS)
    for i, payload in enumerate(PAYLOADS):
        collection = Collection.objects.create(owner=member, name=f"List {i} {payload}", description=f"Desc {i} {payload}", is_public=True)
        CollectionItem.objects.create(collection=collection, paper=papers[i], note=f"Note {i} {payload}")
    return {"today": today, "papers": papers}


def surfaces(today, paper_ids, org_slugs):
    yield "/"
    yield f"/papers/date/{today.isoformat()}"
    yield "/papers/trending"
    for payload in PAYLOADS:
        yield "/search?q=" + __import__("urllib.parse").parse.quote(payload)
    for pid in paper_ids:
        yield f"/papers/{pid}"
    for slug in org_slugs:
        yield f"/organizations/{slug}"
    yield "/u/ada"  # the member's profile: public collections named with the payloads


def test_html_pages_render_payloads_inert(poisoned, client):
    pids = [p.pk for p in poisoned["papers"]]
    slugs = [p.organization.slug for p in poisoned["papers"]]
    for url in surfaces(poisoned["today"], pids, slugs):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert_inert_html(body, url)
    # The text is there, escaped (so the check above saw it and could have failed).
    html = client.get(f"/papers/{pids[0]}").content.decode()
    assert "Title 0 &lt;script&gt;window.__xss=1&lt;/script&gt;" in html


def test_assert_inert_html_catches_a_payload():
    with pytest.raises(AssertionError):
        assert_inert_html("<p>" + PAYLOADS[1] + "</p>", "self-test")
    with pytest.raises(AssertionError):
        assert_inert_html('<a href="javascript:window.__xss=1">x</a>', "self-test")


FEEDS = ["/feeds/daily", "/feeds/trending", "/feeds/categories/cs.CL", "/feeds/organizations/evil1", "/feeds/search"]


def test_feeds_keep_payloads_as_text(poisoned, client):
    for prefix in FEEDS:
        for ext in (".rss", ".atom"):
            url = prefix + ext + ("?q=Title" if "search" in prefix else "")
            response = client.get(url)
            assert response.status_code == 200, url
            root = ET.fromstring(response.content)  # well-formed XML despite CDATA breakers
            for element in root.iter():
                local = element.tag.rsplit("}", 1)[-1]
                assert local not in FEED_FORBIDDEN_TAGS, (url, local)
            parsed = feedparser.parse(response.content)
            assert not parsed.bozo, (url, parsed.bozo_exception)
            titles = [e.title for e in parsed.entries]
            assert any("Title" in t and ("<" in t or "javascript" in t) for t in titles), (url, titles[:3])


def test_markdown_export_has_no_raw_html_or_script_links(poisoned, client):
    md = MarkdownIt("commonmark", {"html": True})
    for paper in poisoned["papers"]:
        text = client.get(f"/papers/{paper.pk}.md").content.decode()
        tokens = md.parse(text)
        for token in tokens:
            for child in [token, *(token.children or [])]:
                assert child.type not in ("html_block", "html_inline"), (paper.pk, child.content)
                if child.type == "link_open" or child.type == "image":
                    href = child.attrGet("href") or child.attrGet("src") or ""
                    assert href.startswith(("http://", "https://")), (paper.pk, href)
        assert_inert_html(md.render(text), f"{paper.pk}.md")


def test_json_apis_return_the_stored_text(poisoned, client):
    for paper in poisoned["papers"]:
        for url in (f"/api/v1/papers/{paper.pk}", f"/api/papers/{paper.pk}"):
            response = client.get(url)
            assert response["Content-Type"].startswith("application/json"), url
            data = json.loads(response.content)
            assert data["title"] == paper.title, url
            assert data["summary" if "summary" in data else "abstract"] == paper.abstract, url
    collection = Collection.objects.order_by("pk").last()
    data = client.get(f"/api/v1/public-collections/{collection.pk}").json()
    assert data["name"] == collection.name and data["items"][0]["note"] == collection.items.get().note


def test_digest_mail_renders_payloads_inert(poisoned, smtp):  # noqa: F811
    from dailypapers.digests.content import get_or_create_issue
    from dailypapers.digests.models import Subscription
    from dailypapers.digests.sending import DigestSender

    issue = get_or_create_issue("daily", poisoned["today"].isoformat())
    Subscription.objects.create(email="ada@example.org", frequency="daily", confirmed_at=timezone.now())
    Subscription.objects.create(email="bob@example.org", frequency="daily", confirmed_at=timezone.now(), query="Title")
    DigestSender(issue).run()
    assert len(smtp.messages) == 2
    for message in smtp.messages:
        message = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
        html = message.get_body(("html",)).get_content()
        assert_inert_html(html, "digest mail")
        assert "&lt;script&gt;" in html
        for header in ("Subject", "From", "To", "List-Unsubscribe"):
            assert "\n" not in str(message[header] or "")


def test_admin_changelists_and_change_pages_render_payloads_inert(poisoned, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "correct-horse-9")
    client = Client()
    client.force_login(admin)
    paper = poisoned["papers"][1]
    urls = [
        "/admin/papers/paper/", f"/admin/papers/paper/{paper.pk}/change/", "/admin/papers/paper/?q=%3Cscript%3E",
        "/admin/papers/author/", f"/admin/papers/author/{paper.authorships.first().author_id}/change/",
        "/admin/papers/organization/", f"/admin/papers/organization/{paper.organization_id}/change/",
        "/admin/papers/dailyentry/", f"/admin/papers/dailyentry/{DailyEntry.objects.filter(paper=paper).first().pk}/change/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert_html(response.content.decode(), url)
