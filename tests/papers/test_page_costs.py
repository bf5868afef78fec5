"""What a page costs when the cache misses (issue 16): a fixed number of queries whatever the
number of cards, and the cheap card helpers give exactly what the template filters gave."""

import datetime as dt
import re

import pytest
from django.template.defaultfilters import truncatewords
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from dailypapers.lib.pagecache import bump_content_version
from dailypapers.papers.links import cached_reverse
from dailypapers.papers.models import Author, Authorship, Organization, Paper
from dailypapers.papers.services import set_upvote
from dailypapers.papers.text import first_words, plain_text, summary
from tests.papers.factories import make_org, make_paper

pytestmark = pytest.mark.django_db


def make_day(day, count, org=None):
    papers = []
    for i in range(count):
        paper = make_paper(title=f"Paper {i}", upvotes=i, day=day, org=org if i % 2 else None,
                           abstract=f"Words about $\\alpha_{i}$ and more words. " * 10)
        author = Author.objects.create(name=f"Author {i}")
        Authorship.objects.create(paper=paper, author=author, position=0)
        papers.append(paper)
    return papers


@pytest.fixture
def pages():
    today = timezone.localdate()
    org = make_org()
    papers = make_day(today, 12, org) + make_day(today - dt.timedelta(days=1), 12, org)
    year, week, _ = today.isocalendar()
    return {"papers": papers, "day": f"/papers/date/{today:%Y-%m-%d}", "week": f"/papers/week/{year}-W{week:02d}",
            "month": f"/papers/month/{today:%Y-%m}"}


# Misses, right after a vote bumped the content version. Day pages: the entries, their authors, the
# count, and (home) whether today has entries; week and month: the same without that; trending:
# the ranking, then the page's entries and their authors; a paper: it, its authors, its entry, its
# links (code, Hub artifacts), its comments.
# The page's entries (and their count), authors, organizations, and the filter's organization names.
# (+1 on the lists: the filters read what they can match, papers.services.filter_facets, once per content version)
MISS_QUERIES = {"/": 6, "day": 5, "week": 5, "month": 5, "/papers/trending": 5, "paper": 5}


@pytest.mark.parametrize("page", list(MISS_QUERIES))
def test_a_miss_runs_a_fixed_number_of_queries_whatever_the_cards(pages, page, django_assert_num_queries):
    url = pages["papers"][0].get_absolute_url() if page == "paper" else pages.get(page, page)
    reader = Client()
    assert reader.get(url).status_code == 200
    bump_content_version()
    with django_assert_num_queries(MISS_QUERIES[page]):
        assert reader.get(url).status_code == 200
    make_day(timezone.localdate() - dt.timedelta(days=2), 8)  # more cards on the week, month and trending
    bump_content_version()
    with django_assert_num_queries(MISS_QUERIES[page]):
        assert reader.get(url).status_code == 200


@pytest.mark.parametrize("page", ["/", "week", "/papers/trending"])
def test_a_members_miss_adds_only_their_user_and_card_flags(pages, page, member, django_assert_num_queries):
    set_upvote(member, Paper.objects.get(pk=pages["papers"][3].pk), True)
    url = pages.get(page, page)
    ada = Client()
    ada.force_login(member)
    assert ada.get(url).status_code == 200
    bump_content_version()
    # user, their votes, their saves (the session comes from the cache); today's submit box lists
    # the organizations they may submit for
    with django_assert_num_queries(MISS_QUERIES[page] + (4 if page == "/" else 3)):
        page_html = ada.get(url).content.decode()
    assert "upvote-button voted" in page_html


@pytest.mark.parametrize("text", [
    "", "one", "  spaced   out\n\nwords  ", " ".join(f"w{i}" for i in range(50)), " ".join(f"w{i}" for i in range(51)),
    " ".join(["word"] * 49 + ["ends …"]), "tabs\tand\x0bodd\x1cspaces " * 20,
])
@pytest.mark.parametrize("count", [1, 40, 50])
def test_first_words_is_truncatewords(text, count):
    assert first_words(text, count) == truncatewords(text, count)


def test_summary_is_plain_text_cut_after_the_words():
    abstract = "We study $\\mathcal{L}$ under\n  hard wraps. " * 30
    assert summary(abstract, 50) == truncatewords(plain_text(abstract), 50)
    assert summary(None, 50) == "" and summary("", 50) == ""


def test_cards_show_the_same_summary_and_links_as_before(pages):
    paper = pages["papers"][5]
    html = Client().get(pages["day"]).content.decode()
    assert truncatewords(plain_text(paper.abstract), 50) in html
    assert f'href="{reverse("papers:paper", args=[paper.pk])}"' in html
    assert f'action="{reverse("papers:upvote", args=[paper.pk])}"' in html


def test_cached_reverse_is_reverse_and_refuses_what_it_refuses():
    for paper_id in ["2406.01234", "hep-th/9901001", "sample-3f2a9c01bd"]:
        assert cached_reverse("papers:paper", paper_id) == reverse("papers:paper", args=[paper_id])
        assert cached_reverse("papers:upvote", paper_id) == reverse("papers:upvote", args=[paper_id])
    for _ in range(2):  # not remembered as an answer
        with pytest.raises(NoReverseMatch):
            cached_reverse("papers:organization", "bad slug\n")


def cards_rendered(monkeypatch) -> list:
    from dailypapers.papers.templatetags import paper_tags

    puts = []
    real_put = paper_tags.card_cache.put
    monkeypatch.setattr(paper_tags.card_cache, "put", lambda key, card: puts.append(key) or real_put(key, card))
    return puts


def test_after_a_vote_only_the_voted_card_renders_again(pages, member, monkeypatch):
    rendered = cards_rendered(monkeypatch)
    reader = Client()
    first = reader.get(pages["day"]).content.decode()
    assert len(rendered) == 12
    rendered.clear()
    voted_paper = Paper.objects.get(pk=pages["papers"][4].pk)
    set_upvote(member, voted_paper, True)
    again = reader.get(pages["day"]).content.decode()
    assert len(rendered) == 1
    def count(html):
        card = html[html.index(f'id="paper-{voted_paper.pk.replace(".", "")}"'):]
        return int(re.search(r'data-testid="upvote-count">(\d+)<', card).group(1))

    assert (count(first), count(again)) == (4, 5)
    # The same page as one rendered with no card kept (tokens aside: masked afresh per response).
    from dailypapers.papers.templatetags.paper_tags import card_cache

    card_cache.clear()
    bump_content_version()
    fresh = reader.get(pages["day"]).content.decode()
    token = r'(csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]+"'
    assert re.sub(token, "", again) == re.sub(token, "", fresh)


def test_a_kept_card_renders_again_when_what_it_shows_changes(pages, monkeypatch):
    paper = pages["papers"][1]  # from the organization
    reader = Client()
    reader.get(pages["day"])
    rendered = cards_rendered(monkeypatch)
    Author.objects.filter(authorships__paper=paper).update(name="Renamed Author")  # no paper save, no signal
    Authorship.objects.filter(paper=paper).update(name="")
    Organization.objects.filter(slug="acme-ai").update(name="Acme Renamed")
    bump_content_version()
    html = reader.get(pages["day"]).content.decode()
    assert "Renamed Author" in html and "Acme Renamed" in html
    assert 1 <= len(rendered) < 12  # the renamed author's card and the organization's cards, not the rest


def test_pages_rendered_for_one_reader_keep_no_cards(pages, monkeypatch):
    """Cards with a reader's own token and votes in them are never kept."""
    from django.test import override_settings

    rendered = cards_rendered(monkeypatch)
    with override_settings(DAILYPAPERS_PAGE_CACHE=False):
        page = Client().get(pages["day"]).content.decode()
    assert rendered == [] and "Paper 3" in page


def test_trending_cards_are_kept_while_their_shown_score_stays(pages, monkeypatch):
    reader = Client()
    reader.get("/papers/trending")
    rendered = cards_rendered(monkeypatch)
    bump_content_version()  # ranked again, a moment later: raw scores and ages moved, not their third decimal
    reader.get("/papers/trending")
    assert len(rendered) < 5
