"""The bundled demo data (``dailypapers ingest demo``, what ``serve`` loads into an empty database):
real arXiv records with their authors, categories and code links, and the sample listings merged
onto the records whose titles they share."""

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from dailypapers.ingest.sources.sample import demo_records, sample_rows, title_key
from dailypapers.papers.models import DailyEntry, Paper

pytestmark = pytest.mark.django_db
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def demo(db):
    call_command("ingest", "demo", stdout=io.StringIO(), stderr=io.StringIO())


def test_every_bundled_record_and_listing_is_loaded(demo):
    records, rows = demo_records(), sample_rows()
    merged = {title_key(r["title"]) for r in records} & {title_key(r["title"]) for r in rows}
    assert len(records) >= 3000 and len(merged) >= 30
    # One paper per record, one per listing that matched none.
    assert Paper.objects.count() == len(records) + len(rows) - len(merged)
    assert DailyEntry.objects.count() == Paper.objects.count()


def test_records_carry_ordered_authors_categories_comments_and_code(demo):
    paper = Paper.objects.get(pk="2504.07952")  # Dynamic Cheatsheet, the README's example paper
    assert paper.title.startswith("Dynamic Cheatsheet")
    names = [a.name for a in paper.authorships.order_by("position")]
    assert names == ["Mirac Suzgun", "Mert Yuksekgonul", "Federico Bianchi", "Dan Jurafsky", "James Zou"]
    assert paper.categories == ["cs.LG", "cs.CL"] and paper.primary_category == "cs.LG"
    assert paper.github_repo == "https://github.com/suzgunmirac/dynamic-cheatsheet"
    real = Paper.objects.exclude(id__startswith="sample-")
    assert real.exclude(github_repo="").count() > 400
    assert real.exclude(comments="").count() > 1000
    primaries = set(real.values_list("primary_category", flat=True))
    assert {"cs.CV", "cs.CL", "cs.AI"} <= primaries
    assert not real.filter(authorships__isnull=True).exists()


def test_a_listing_sits_on_the_record_with_its_title(demo):
    rows = {title_key(r["title"]): r for r in sample_rows()}
    for paper in Paper.objects.exclude(id__startswith="sample-").filter(imported_upvotes__gt=0)[:5]:
        assert paper.imported_upvotes == rows[title_key(paper.title)]["upvotes"]
    # No listing whose title a record has stays as a second, author-less paper.
    titles = {title_key(t) for t in Paper.objects.filter(id__startswith="sample-").values_list("title", flat=True)}
    assert not titles & {title_key(r["title"]) for r in demo_records()}


def test_papers_are_on_the_last_30_days_pages(demo):
    today = timezone.localdate()
    dates = set(DailyEntry.objects.values_list("date", flat=True))
    assert today in dates and min(dates) >= today - dt.timedelta(days=30)
    per_day = DailyEntry.objects.filter(date=today, paper__id__startswith="2").count()
    assert per_day >= 50  # real records on today's page, not only listings


def test_the_last_two_weeks_show_papers_with_their_authors(demo):
    """The first pages a visitor opens: no author-less listing there (they sit on the older days)."""
    from dailypapers.ingest.sources.sample import DEMO_RECENT_DAYS

    recent = timezone.localdate() - dt.timedelta(days=DEMO_RECENT_DAYS - 1)
    assert DailyEntry.objects.filter(date__gte=recent).count() > 1000
    assert not DailyEntry.objects.filter(date__gte=recent, paper__id__startswith="sample-").exists()
    assert DailyEntry.objects.filter(date__lt=recent, paper__id__startswith="sample-").count() > 250


def test_the_readme_example_paper_opens_in_the_demo(demo, client):
    ids = set(re.findall(r"`/papers/(\d{4}\.\d{4,5})`", README.read_text()))
    assert ids
    for paper_id in ids:
        response = client.get(f"/papers/{paper_id}")
        assert response.status_code == 200, paper_id
