"""Members are served the shared cached page with their own bits put in (issue 16): their votes,
their header, their CSRF token; never another reader's, and a vote shows on the next request."""

import re

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from dailypapers.lib.pagecache import CSRF_PLACEHOLDER, SLOT_MARK
from dailypapers.papers import collections
from dailypapers.papers.models import Paper
from dailypapers.papers.services import set_upvote
from tests.papers.factories import make_org, make_paper

pytestmark = pytest.mark.django_db

MEMBER_PAGES = ["/", "/papers/trending", "/papers/week/{week}", "/papers/month/{month}"]


def card(html: str, paper: Paper) -> str:
    start = html.index(f'id="paper-{paper.pk.replace(".", "")}"')
    return html[start:html.index("</article>", start)]


def voted(html: str, paper: Paper) -> bool:
    return "upvote-button voted" in card(html, paper)


def saved(html: str, paper: Paper) -> bool:
    return "★ Saved" in card(html, paper)


def count(html: str, paper: Paper) -> int:
    return int(re.search(r'data-testid="upvote-count">(\d+)<', card(html, paper)).group(1))


def without_personal_bits(html: str) -> str:
    """The page less what may differ between readers: the member menu, the digest box (a member
    link), the submit box, the upvote forms, and the CSRF tokens (masked afresh for every response)."""
    html = re.sub(r'<div class="user-menu".*?</header>', "", html, flags=re.S)  # the menu ends the header
    html = re.sub(r'<aside class="submit-paper".*?</aside>', "", html, flags=re.S)
    html = re.sub(r'<div class="digest-subscribe".*?</div>', "", html, flags=re.S)
    html = re.sub(r'<form class="upvote".*?</form>', "", html, flags=re.S)
    html = re.sub(r'<details class="save-control".*?</details>', "", html, flags=re.S)
    return re.sub(r'(csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]+"', r"\1", html)


@pytest.fixture
def site(django_user_model, member):
    today = timezone.localdate()
    org = make_org()
    first = make_paper(title="First", upvotes=5, day=today, org=org)
    second = make_paper(title="Second", upvotes=2, day=today, org=org)
    grace = django_user_model.objects.create_user(username="grace", email="grace@example.org", password="correct-horse-9")
    set_upvote(member, first, True)
    set_upvote(grace, Paper.objects.get(pk=second.pk), True)
    collections.save_paper(collections.create_collection(grace, "Reading"), first)
    year, week, _ = today.isocalendar()
    urls = [u.format(week=f"{year}-W{week:02d}", month=today.strftime("%Y-%m")) for u in MEMBER_PAGES]
    return {"first": first, "second": second, "grace": grace, "urls": urls}


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_each_member_sees_their_own_votes_and_name_never_anothers(site, member):
    ada, grace, anonymous = logged_in(member), logged_in(site["grace"]), Client()
    first, second = site["first"], site["second"]
    for url in site["urls"]:
        for _ in range(2):  # the miss, then the hit
            anon = anonymous.get(url).content.decode()
            ada_page = ada.get(url).content.decode()
            grace_page = grace.get(url).content.decode()
            assert voted(ada_page, first) and not voted(ada_page, second), url
            assert voted(grace_page, second) and not voted(grace_page, first), url
            assert not voted(anon, first) and not voted(anon, second), url
            assert saved(grace_page, first) and not saved(ada_page, first) and not saved(anon, first), url
            assert 'data-testid="username">ada<' in ada_page and "grace" not in ada_page
            assert 'data-testid="username">grace<' in grace_page and ">ada<" not in grace_page
            assert "username" not in anon and "Log in" in anon and "Log in" not in ada_page
            assert "Digest settings" in ada_page and "Digest settings" not in anon
            if url == "/":
                assert 'action="/papers/submit"' in ada_page and 'action="/papers/submit"' not in anon
            for page in (anon, ada_page, grace_page):
                assert CSRF_PLACEHOLDER not in page and SLOT_MARK.split(":")[0] not in page


def test_a_members_page_differs_from_the_anonymous_one_only_in_their_bits(site, member):
    ada, anonymous = logged_in(member), Client()
    for url in site["urls"]:
        anon = anonymous.get(url).content.decode()
        assert without_personal_bits(ada.get(url).content.decode()) == without_personal_bits(anon), url
        assert without_personal_bits(ada.get(url).content.decode()) == without_personal_bits(anon), url  # from the cache


def test_the_voted_form_is_the_one_rendered_for_a_voter(site, member):
    """The member version of a card's form is what the template renders for paper.voted (it undoes the vote)."""
    page = logged_in(member).get("/").content.decode()
    form = card(page, site["first"])
    assert 'name="voted" value="0"' in form and 'aria-pressed="true"' in form and "Remove your upvote" in form
    other = card(page, site["second"])
    assert 'name="voted" value="1"' in other and 'aria-pressed="false"' in other


def test_a_vote_shows_on_the_members_next_request(site, member):
    ada, grace = logged_in(member), logged_in(site["grace"])
    second = site["second"]
    before = ada.get("/").content.decode()
    assert not voted(before, second) and count(before, second) == 3
    assert ada.post(f"/papers/{second.pk}/upvote", {"voted": "1"}).status_code == 302
    after = ada.get("/").content.decode()
    assert voted(after, second) and count(after, second) == 4
    grace_page = grace.get("/").content.decode()
    assert count(grace_page, second) == 4 and not voted(grace_page, site["first"])
    assert ada.post(f"/papers/{second.pk}/upvote", {"voted": "0"}).status_code == 302
    assert not voted(ada.get("/").content.decode(), second)


def test_a_member_hit_costs_the_user_and_one_query_per_card_flag(site, member, django_assert_num_queries):
    ada = logged_in(member)
    for url in site["urls"]:
        first = ada.get(url)
        # the user, their upvotes and their saves among the page's papers (the session comes from
        # the cache: SESSION_ENGINE cached_db); on today's page the submit box also lists the
        # organizations they may submit for
        with django_assert_num_queries(4 if url == "/" else 3):
            again = ada.get(url)
        assert again.content == first.content or without_personal_bits(again.content.decode()) == without_personal_bits(first.content.decode())
        assert "private" in again["Cache-Control"] and again.has_header("ETag")


def test_a_member_page_gets_304_on_its_own_etag_and_not_on_the_anonymous_one(site, member):
    ada, anonymous = logged_in(member), Client()
    anon_etag = anonymous.get("/")["ETag"]
    mine = ada.get("/")
    assert mine["ETag"] != anon_etag  # ada's page shows her vote
    assert ada.get("/", HTTP_IF_NONE_MATCH=mine["ETag"]).status_code == 304
    assert ada.get("/", HTTP_IF_NONE_MATCH=anon_etag).status_code == 200


def test_load_more_pages_carry_the_members_votes(member):
    today = timezone.localdate()
    papers = [make_paper(title=f"P{i}", upvotes=100 - i, day=today) for i in range(55)]
    set_upvote(member, Paper.objects.get(pk=papers[52].pk), True)
    ada = logged_in(member)
    for _ in range(2):
        more = ada.get("/?page=2", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="load-more").content.decode()
        assert voted(more, papers[52]) and not voted(more, papers[53]) and "<html" not in more


@override_settings(MESSAGE_STORAGE="django.contrib.messages.storage.session.SessionStorage")
def test_a_member_with_a_message_waiting_gets_the_page_rendered_for_them(site, member):
    logged_in(member).get("/")  # cached
    ada = Client()
    assert ada.post("/accounts/login/", {"login": "ada", "password": "correct-horse-9"}).status_code == 302
    page = ada.get("/").content.decode()  # the "signed in" message waits in the session, not in a cookie
    assert "messages" not in ada.cookies and "Successfully signed in" in page and voted(page, site["first"])
    assert "Successfully signed in" not in ada.get("/").content.decode()  # shown once, then the cached page again


@override_settings(DAILYPAPERS_PAGE_CACHE=False)
def test_without_the_cache_members_get_the_same_personal_page(site, member):
    page = logged_in(member).get("/").content.decode()
    assert voted(page, site["first"]) and not voted(page, site["second"]) and ">ada<" in page
    assert SLOT_MARK.split(":")[0] not in page


def test_an_organization_page_is_rendered_for_each_member(site, member):
    """Its membership section is the reader's own (join, leave, requests to decide), so members are not
    served the shared copy: each sees their own votes and their own join button."""
    ada, anonymous = logged_in(member), Client()
    for _ in range(2):
        anon = anonymous.get("/organizations/acme-ai").content.decode()
        ada_page = ada.get("/organizations/acme-ai").content.decode()
        assert "to ask to join" in anon and 'data-testid="join"' not in anon
        assert 'data-testid="join"' in ada_page and voted(ada_page, site["first"]) and not voted(anon, site["first"])
