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


def test_each_paper_shows_its_own_spelling_of_a_shared_author(client, db):
    """1102.0549 lists "S. L. Yakovlev"; another paper's "S L Yakovlev" is the same person (one
    Author, for identity and profiles), but each page shows the paper's own spelling."""
    from dailypapers.papers.models import Author, Authorship, Paper

    person = Author.objects.create(name="S L Yakovlev")
    first = Paper.objects.create(id="1102.0549", title="Three-body scattering")
    second = Paper.objects.create(id="1103.0001", title="Another paper")
    Authorship.objects.create(paper=first, author=person, position=0, name="S. L. Yakovlev")
    Authorship.objects.create(paper=second, author=person, position=0, name="S L Yakovlev")
    assert "S. L. Yakovlev" in client.get("/papers/1102.0549").content.decode()
    assert client.get("/api/papers/1102.0549").json()["authors"][0]["name"] == "S. L. Yakovlev"
    assert client.get("/api/papers/1103.0001").json()["authors"][0]["name"] == "S L Yakovlev"
    assert client.get("/api/v1/papers/1102.0549").json()["authors"] == ["S. L. Yakovlev"]
    # Rows written before the spelling was kept show the identity's name.
    Authorship.objects.filter(paper=second).update(name="")
    assert client.get("/api/papers/1103.0001").json()["authors"][0]["name"] == "S L Yakovlev"
