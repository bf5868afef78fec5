import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from dailypapers.papers.models import Author, DailyEntry, Upvote, normalize_person_name
from tests.papers.factories import make_paper

pytestmark = pytest.mark.django_db


def test_one_upvote_per_member_per_paper(member):
    paper = make_paper()
    Upvote.objects.create(user=member, paper=paper)
    with pytest.raises(IntegrityError), transaction.atomic():
        Upvote.objects.create(user=member, paper=paper)


def test_a_paper_appears_on_one_daily_page_only():
    paper = make_paper(day=dt.date(2026, 11, 20))
    with pytest.raises(IntegrityError), transaction.atomic():
        DailyEntry.objects.create(paper=paper, date=dt.date(2026, 11, 21), submitted_at=dt.datetime.now(dt.timezone.utc))


def test_upvotes_are_imported_plus_member_votes():
    paper = make_paper(upvotes=7)
    paper.member_upvotes = 3
    paper.save()
    paper.refresh_from_db()
    assert (paper.imported_upvotes, paper.member_upvotes, paper.upvotes) == (7, 3, 10)


def test_author_names_are_matched_in_normalized_form():
    author = Author.objects.create(name="Émile  BOREL")
    assert author.normalized_name == "emile borel" == normalize_person_name("Emile Borel")


def test_arxiv_links_only_for_arxiv_ids():
    assert make_paper(id="2406.01234").pdf_url == "https://arxiv.org/pdf/2406.01234"
    assert make_paper(id="hep-th/9901001").arxiv_url == "https://arxiv.org/abs/hep-th/9901001"
    assert make_paper(id="sample-abc123").arxiv_url == ""
