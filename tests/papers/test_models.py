import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.template import Context, Template

from dailypapers.papers.models import (
    Author,
    Authorship,
    Collection,
    CollectionItem,
    DailyEntry,
    Paper,
    Upvote,
    normalize_person_name,
    ordered_authorships,
)
from tests.papers.factories import make_org, make_paper

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


# -- listing rules -------------------------------------------------------------------------------


def test_shown_organization_is_the_entrys_else_the_papers():
    own, submitted_for = make_org("own-lab", "Own Lab"), make_org("other-lab", "Other Lab")
    paper = make_paper(org=own, day=dt.date(2026, 11, 20))
    entry = paper.daily_entry
    assert paper.shown_organization(entry) == own  # the entry was made with the paper's organization
    entry.organization = submitted_for
    assert paper.shown_organization(entry) == submitted_for
    entry.organization = None
    assert paper.shown_organization(entry) == own
    assert paper.shown_organization(None) == own
    assert make_paper().shown_organization(None) is None


def test_templates_show_the_same_organization():
    own, submitted_for = make_org("own-lab", "Own Lab"), make_org("other-lab", "Other Lab")
    paper = make_paper(org=own, day=dt.date(2026, 11, 20))
    entry = paper.daily_entry
    entry.organization = submitted_for
    render = Template("{% load paper_tags %}{{ paper|shown_organization:entry }}").render
    assert render(Context({"paper": paper, "entry": entry})) == "Other Lab"
    assert render(Context({"paper": paper, "entry": None})) == "Own Lab"


def _paper_with_authors_out_of_order(**fields):
    paper = make_paper(**fields)
    for position, name in [(2, "Third"), (0, "First"), (1, "Second")]:
        Authorship.objects.create(paper=paper, author=Author.objects.create(name=name), position=position)
    return paper


def test_papers_with_authors_in_byline_order(django_assert_num_queries, member):
    paper = _paper_with_authors_out_of_order()
    Author.objects.filter(name="Second").update(user=member)
    with django_assert_num_queries(2):  # papers, then authorships with authors
        (fetched,) = Paper.objects.filter(pk=paper.pk).with_authors()
        assert [a.author.name for a in fetched.authorships.all()] == ["First", "Second", "Third"]
    with django_assert_num_queries(2):  # the claiming members come with the authors
        (fetched,) = Paper.objects.filter(pk=paper.pk).with_authors(with_users=True)
        assert [a.author.user for a in fetched.authorships.all()] == [None, member, None]


def test_papers_for_listing_fetch_organization_entry_and_authors(django_assert_num_queries, member):
    org = make_org()
    paper = _paper_with_authors_out_of_order(org=org, day=dt.date(2026, 11, 20))
    DailyEntry.objects.filter(paper=paper).update(submitted_by=member)
    make_paper()  # no entry, no organization: still listed
    with django_assert_num_queries(2):
        papers = {p.pk: p for p in Paper.objects.for_listing()}
        fetched = papers[paper.pk]
        assert fetched.shown_organization(fetched.daily_entry) == org
        assert fetched.daily_entry.submitted_by == member
        assert [a.author.name for a in fetched.authorships.all()] == ["First", "Second", "Third"]
    assert len(papers) == 2


def test_entries_for_listing_fetch_paper_organizations_submitter_and_authors(django_assert_num_queries, member):
    own, submitted_for = make_org("own-lab", "Own Lab"), make_org("other-lab", "Other Lab")
    paper = _paper_with_authors_out_of_order(org=own, day=dt.date(2026, 11, 20))
    DailyEntry.objects.filter(paper=paper).update(submitted_by=member, organization=submitted_for)
    make_paper(day=dt.date(2026, 11, 21))
    with django_assert_num_queries(2):
        entries = {e.paper_id: e for e in DailyEntry.objects.for_listing()}
        entry = entries[paper.pk]
        assert (entry.paper.organization, entry.organization, entry.submitted_by) == (own, submitted_for, member)
        assert [a.author.name for a in entry.paper.authorships.all()] == ["First", "Second", "Third"]
    with django_assert_num_queries(2):
        (entry,) = DailyEntry.objects.filter(paper=paper).for_listing(with_users=True)
        assert [a.author.user for a in entry.paper.authorships.all()] == [None, None, None]
    with django_assert_num_queries(1):
        (entry,) = DailyEntry.objects.filter(paper=paper).with_paper()
        assert (entry.paper.organization, entry.organization, entry.submitted_by) == (own, submitted_for, member)


def test_ordered_authorships_prefetch_on_fetched_lists(django_assert_num_queries):
    paper = _paper_with_authors_out_of_order(day=dt.date(2026, 11, 20))
    entries = list(DailyEntry.objects.filter(paper=paper).select_related("paper"))
    with django_assert_num_queries(1):
        prefetch_related_objects(entries, ordered_authorships("paper__authorships", with_users=True))
    with django_assert_num_queries(0):
        assert [(a.author.name, a.author.user) for a in entries[0].paper.authorships.all()] == [
            ("First", None), ("Second", None), ("Third", None)
        ]


def test_collection_items_for_listing(django_assert_num_queries, member):
    org = make_org()
    paper = _paper_with_authors_out_of_order(org=org, day=dt.date(2026, 11, 20))
    collection = Collection.objects.create(owner=member, name="Reading")
    CollectionItem.objects.create(collection=collection, paper=paper)
    with django_assert_num_queries(2):
        (item,) = collection.items.for_listing()
        assert item.paper.shown_organization(item.paper.daily_entry) == org
        assert [a.author.name for a in item.paper.authorships.all()] == ["First", "Second", "Third"]


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
