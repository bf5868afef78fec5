"""The digest mail's paper entries are the web card's data (papers.cards.card), inline-styled: the
same first authors and "+N", claimed names linked, organization with its verified mark, code host,
comment count, submitter and upvotes as the card on the day page (issue 28)."""

from __future__ import annotations

import gzip
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from dailypapers.digests.content import IssueContent, Selection, get_or_create_issue
from dailypapers.papers.models import Author, Authorship, DailyEntry, Organization, Paper
from dailypapers.papers.templatetags.paper_tags import card_cache

pytestmark = pytest.mark.django_db

DEMO = "src/dailypapers/data/demo_arxiv_records.jsonl.gz"


def real_record() -> tuple[dict, str]:
    """A real arXiv record of the bundled demo data with six or more authors and a GitHub link."""
    with gzip.open(DEMO, "rt") as f:
        for line in f:
            record = json.loads(line)
            found = re.search(r"https://github\.com/[\w.-]+/[\w.-]+", f"{record.get('comments', '')} {record['abstract']}")
            if found and len(record["authors"]) >= 6:
                return record, found[0].rstrip(".")
    raise AssertionError("no such record")


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def test_the_mail_entry_shows_what_the_web_card_shows(client):
    record, repo = real_record()
    day = timezone.localdate()
    member = get_user_model().objects.create_user("ada", "ada@example.org", "a long passphrase 9")
    submitter = get_user_model().objects.create_user("grace", "grace@example.org", "a long passphrase 9")
    org = Organization.objects.create(slug="the-lab", name="The Lab", verified=True)
    paper = Paper.objects.create(id=record["id"], title=record["title"], abstract=record["abstract"], published_at=timezone.now(),
                                 primary_category=record["categories"][0], categories=record["categories"], github_repo=repo,
                                 imported_upvotes=7, num_comments=2)
    for position, name in enumerate(record["authors"]):
        author = Author.objects.create(name=name, normalized_name=name.lower(), user=member if position == 1 else None)
        Authorship.objects.create(paper=paper, author=author, position=position, name=name)
    DailyEntry.objects.create(paper=paper, date=day, submitted_at=timezone.now(), submitted_by=submitter, organization=org)
    card_cache.clear()

    page = client.get(f"/papers/date/{day.isoformat()}").content.decode()
    web = page[page.index(f'data-paper-id="{paper.pk}"'):]
    web = web[: web.index("</article>")]
    web_authors = text_of(re.search(r'data-testid="card-authors">(.*?)</p>', web, re.S)[1])
    mail_html, mail_text = IssueContent(get_or_create_issue("daily", day.isoformat())).render(Selection((paper.pk,)))
    mail = mail_html[mail_html.index('data-card="title"'):]

    names = record["authors"]
    assert web_authors == f"{names[0]}, {names[1]}, {names[2]} +{len(names) - 3}"
    assert text_of(re.search(r'data-card="authors">(.*?)</p>', mail, re.S)[1]) == web_authors
    assert 'href="http://127.0.0.1:8000/u/ada"' in mail and 'href="/u/ada"' in web  # the claimed name, linked in both
    assert "The Lab" in text_of(re.search(r'data-testid="card-org".*?</a>', web, re.S)[0])
    assert text_of(re.search(r'data-card="organization">(.*?)</a>', mail, re.S)[1]) == "The Lab ✓"
    assert re.search(rf'href="{re.escape(repo)}"[^>]*data-testid="card-code">GitHub<', web)
    assert re.search(rf'href="{re.escape(repo)}"[^>]*data-card="code">GitHub<', mail)
    assert re.search(r'data-testid="card-comment-count">2 comments<', web) and re.search(r'data-card="comments">2 comments<', mail)
    assert "grace" in text_of(re.search(r'data-testid="submitted-by">(.*?)</span>', web, re.S)[1])
    assert re.search(r'href="http://127\.0\.0\.1:8000/u/grace"[^>]*data-card="submitter">grace<', mail)
    assert "<strong>7</strong>" in mail_html  # the upvotes
    # Mail's own copy: inline styles, absolute links, no site stylesheet or classes.
    entry = mail[: mail.index("</td>")]
    assert "class=" not in entry and "<style" not in mail_html and "<link" not in mail_html
    assert all(h.startswith(("http://127.0.0.1:8000/", repo)) for h in re.findall(r'href="([^"]+)"', entry))
    # The text part has the same line.
    assert web_authors in mail_text and "The Lab · GitHub " + repo + " · 2 comments" in mail_text
