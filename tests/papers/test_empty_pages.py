"""What an empty page says (issue 29): a site loaded only from arXiv's snapshot shows its newest papers
and how the daily page fills, instead of "No papers on this day" everywhere; an empty day is called a
weekend only when it is one, and a future day is one that has not come yet."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from dailypapers.papers.models import Paper
from tests.papers.factories import make_paper

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_a_site_loaded_from_the_snapshot_alone_shows_its_newest_papers_and_how_pages_fill(client, arxiv_records):
    """The 200 real records of arXiv's snapshot (tests/ingest/fixtures/real): papers, no daily entry."""
    newest = list(Paper.objects.order_by("-published_at", "-pk").values_list("title", flat=True)[:3])
    body = client.get("/").content.decode()
    assert 'data-testid="newest-papers"' in body and 'data-testid="how-pages-fill"' in body
    text = _text(client.get("/"))
    assert "No member has submitted a paper to a daily page yet" in text
    positions = [text.index(" ".join(title.split())) for title in newest]
    assert positions == sorted(positions)  # newest first, by announcement date
    assert "weekend" not in text
    trending = client.get("/papers/trending").content.decode()
    assert 'data-testid="how-pages-fill"' in trending
    # Filters apply to the newest papers too.
    only = client.get("/?category=hep-ph").content.decode()
    assert 'data-testid="newest-papers"' in only
    shown = re.findall(r'class="paper-title"><a href="/papers/([^"]+)"', only)
    assert shown and all("hep-ph" in Paper.objects.get(pk=pk).categories for pk in shown)


def test_once_a_paper_is_on_a_daily_page_empty_days_say_why_of_that_day(client):
    today = timezone.localdate()
    make_paper(upvotes=1, day=today)
    saturday = today - dt.timedelta(days=(today.weekday() - 5) % 7 or 7)
    weekday = next(today - dt.timedelta(days=n) for n in range(1, 8) if (today - dt.timedelta(days=n)).weekday() < 5)
    future_weekday = next(today + dt.timedelta(days=n) for n in range(1, 8) if (today + dt.timedelta(days=n)).weekday() < 5)

    def why(day):
        return _text(client.get(f"/papers/date/{day:%Y-%m-%d}"))

    assert "arXiv announces no papers on weekends" in why(saturday)
    assert "weekend" not in why(weekday) and "Nobody has submitted a paper to this day" in why(weekday)
    future = why(future_weekday)
    assert "weekend" not in future and "has not come yet" in future
    assert 'data-testid="newest-papers"' not in client.get(f"/papers/date/{weekday:%Y-%m-%d}").content.decode()
