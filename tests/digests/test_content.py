"""What the digest contains: the site's trending order, filters, the personal section, browser view."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.test import override_settings
from django.utils import timezone

from dailypapers.digests.content import IssueContent, get_or_create_issue, rank_issue
from dailypapers.digests.models import Subscription
from dailypapers.digests.sending import DigestSender
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.papers.periods import parse_period
from dailypapers.papers.ranking import TrendingRanker
from dailypapers.papers.services import period_entries

pytestmark = pytest.mark.django_db


@pytest.fixture
def week_key(sample_papers):
    day = DailyEntry.objects.order_by("-date").values_list("date", flat=True).first()
    year, week, _ = (day - dt.timedelta(days=7)).isocalendar()
    return f"{year}-W{week:02d}"


def test_issue_follows_the_sites_trending_rank_and_is_frozen(week_key):
    period = parse_period("week", week_key)
    end = timezone.make_aware(dt.datetime.combine(period.end, dt.time.max))
    expected = [e.paper_id for e in TrendingRanker.from_settings().rank(period_entries(period), now=end)]
    issue = get_or_create_issue("weekly", week_key)
    assert issue.ranked_paper_ids == expected and len(expected) > 5
    Paper.objects.filter(pk=expected[-1]).update(imported_upvotes=10_000)
    assert get_or_create_issue("weekly", week_key).ranked_paper_ids == expected  # re-runs reuse the issue


def test_filters_pick_from_the_ranked_list(week_key):
    issue = rank_issue("weekly", week_key)
    content = IssueContent(issue)
    papers = [content.papers[pid] for pid in content.ranked_ids]
    category = papers[0].primary_category
    by_category = content.select(Subscription(email="a@example.org", categories=[category]))
    assert by_category.paper_ids and all(category in content.papers[p].categories or
                                         content.papers[p].primary_category == category for p in by_category.paper_ids)
    word = re.findall(r"[a-z]{6,}", papers[1].title.lower())[0]
    by_query = content.select(Subscription(email="a@example.org", query=word.upper()))
    assert papers[1].pk in by_query.paper_ids
    assert all(word in f"{content.papers[p].title} {content.papers[p].abstract}".lower() for p in by_query.paper_ids)
    ranks = [content.ranked_ids.index(p) for p in by_query.paper_ids]
    assert ranks == sorted(ranks)
    none = content.select(Subscription(email="a@example.org", query="zzqxj nonexistent"))
    html, text = content.render(none)
    assert none.paper_ids == () and "No papers matched your filters" in text


# The personal and Following sections come from discovery's model: tests/discovery/test_digest_sections.py.


def test_titles_are_escaped_and_the_browser_view_shows_the_mailed_papers(client, smtp, week_key):
    issue = get_or_create_issue("weekly", week_key)
    Paper.objects.filter(pk=issue.ranked_paper_ids[0]).update(title="<script>alert(1)</script> Attention")
    Subscription.objects.create(email="ada@example.org", frequency="weekly", confirmed_at=timezone.now())
    DigestSender(issue).run()
    [message] = smtp.messages
    html = message.get_body(("html",)).get_content()
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; Attention" in html
    view = re.search(r'href="http://127\.0\.0\.1:8000(/digests/view/[^"]+)"', html)[1]
    page = client.get(view)
    assert page.status_code == 200 and "&lt;script&gt;alert(1)" in page.content.decode()
    assert client.get(view[:-3] + "abc").status_code == 404
    # A forwarded digest hands over nothing: the page has no manage or unsubscribe link ...
    assert "/digests/manage/" in html and "/digests/u/" in html
    assert "/digests/manage/" not in page.content.decode() and "/digests/u/" not in page.content.decode()
    # ... and the link expires, and dies with the subscription's key.
    with override_settings(DAILYPAPERS_DIGEST_VIEW_MAX_AGE_DAYS=0):
        time.sleep(1.1)
        assert client.get(view).status_code == 404
    Subscription.objects.filter(email="ada@example.org").update(token_key="rotated")
    assert client.get(view).status_code == 404
    public = client.get(f"/digests/weekly/{week_key}")
    assert public.status_code == 200 and "Get this digest by email" in public.content.decode()
    assert client.get("/digests/weekly/2001-W01").status_code == 404
