"""The member's own pages: the header menu, my papers, deleting the account."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from dailypapers.accounts.models import ApiToken
from dailypapers.community import services
from dailypapers.community.models import Comment
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.papers.services import set_upvote

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user(username="bob", email="bob@example.org", password="correct-horse-9")


def test_the_member_menu_links_every_member_page(client, member):
    client.force_login(member)
    body = client.get("/").content.decode()
    menu = body[body.index('id="member-nav"'):body.index("</details>")]
    assert "<details" in menu and "<summary" in menu  # a disclosure: opens without JavaScript
    for href in ["/u/ada", "/me/papers", "/collections", "/notifications", "/digests/settings", "/settings/api-tokens", "/accounts/email/"]:
        assert f'href="{href}"' in menu, href
    assert 'action="/accounts/logout/"' in menu


def test_readers_get_log_in_and_sign_up_instead(client):
    body = client.get("/").content.decode()
    assert 'id="member-nav"' in body and "Sign up" in body and "member-menu" not in body


def test_my_papers_lists_the_members_submissions_only(client, member, bob):
    today = timezone.localdate()
    mine = Paper.objects.create(id="2401.00002", title="Mine", published_at=timezone.now())
    theirs = Paper.objects.create(id="2401.00003", title="Theirs", published_at=timezone.now())
    DailyEntry.objects.create(paper=mine, date=today, submitted_by=member, submitted_at=timezone.now())
    DailyEntry.objects.create(paper=theirs, date=today - dt.timedelta(days=1), submitted_by=bob, submitted_at=timezone.now())
    client.force_login(member)
    body = client.get("/me/papers").content.decode()
    assert "Mine" in body and "Theirs" not in body


def test_delete_account_needs_the_password_and_the_confirmation(client, member):
    client.force_login(member)
    page = client.get("/settings/account/delete")
    assert page.status_code == 200 and 'name="password"' in page.content.decode()
    wrong = client.post("/settings/account/delete", {"password": "nope", "confirm": "delete"})
    assert wrong.status_code == 400 and "not your password" in wrong.content.decode()
    unticked = client.post("/settings/account/delete", {"password": "correct-horse-9"})
    assert unticked.status_code == 400
    assert type(member).objects.filter(pk=member.pk).exists()


def test_delete_account_refuses_a_post_without_the_csrf_token(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.post("/settings/account/delete", {"password": "correct-horse-9", "confirm": "delete"}).status_code == 403
    assert type(member).objects.filter(pk=member.pk).exists()


def test_deleting_keeps_comments_as_deleted_member_and_drops_votes_tokens_and_the_session(client, member, bob, paper):
    top = services.post_comment(member, paper, "My take")
    services.post_comment(bob, paper, "A reply to it", parent=top)
    set_upvote(member, paper, True)
    ApiToken.issue(member, "bot")
    paper.refresh_from_db()
    assert paper.member_upvotes == 1 and paper.num_comments == 2
    client.force_login(member)
    response = client.post("/settings/account/delete", {"password": "correct-horse-9", "confirm": "delete"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert not type(member).objects.filter(username="ada").exists()
    assert not ApiToken.objects.exists()
    paper.refresh_from_db()
    assert paper.member_upvotes == 0 and paper.num_comments == 2  # the comments still count: they are still shown
    kept = Comment.objects.get(pk=top.pk)
    assert kept.author is None and kept.is_visible and kept.author_name == "[deleted member]"
    body = client.get(paper.get_absolute_url()).content.decode()
    assert "[deleted member]" in body and "My take" in body and "A reply to it" in body
    assert 'data-testid="username"' not in body  # signed out
    api = client.get(f"/api/v1/papers/{paper.pk}/comments").json()
    items = api["items"] if isinstance(api, dict) else api
    assert {c["author"] for c in items} == {"[deleted member]", "bob"}


def test_footer_asks_readers_for_an_address_and_shows_members_their_digest_settings(client, member):
    assert 'name="email"' in client.get("/").content.decode().split('data-testid="digest-subscribe"')[1]
    client.force_login(member)
    footer = client.get("/").content.decode().split('data-testid="digest-subscribe"')[1]
    assert 'name="email"' not in footer and 'href="/digests/settings"' in footer


@pytest.mark.parametrize("path", ["/accounts/email/", "/accounts/password/change/", "/digests/settings", "/settings/api-tokens",
                                  "/settings/notifications", "/settings/account/delete"])
def test_every_settings_page_links_the_others(client, member, path):
    client.force_login(member)
    body = client.get(path).content.decode()
    nav = body[body.index('class="settings-nav"'):body.index("</nav>", body.index('class="settings-nav"'))]
    for href in ["/digests/settings", "/settings/notifications", "/settings/api-tokens", "/accounts/email/", "/accounts/password/change/",
                 "/settings/account/delete"]:
        assert f'href="{href}"' in nav, href
    assert nav.count('aria-current="page"') == 1 and f'href="{path}" aria-current="page"' in nav
