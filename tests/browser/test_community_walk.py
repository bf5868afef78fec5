"""The community walk of issue 15 in a real browser, through the UI only: sign up, confirm the e-mail,
submit a paper on today's page, comment, another member replies and mentions, the notification,
upvote, save to a collection, claim authorship, an admin approves, "author participating" on the card."""

import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from dailypapers.accounts.models import AuthorClaim
from dailypapers.papers.models import Author, Authorship, Collection, DailyEntry, Paper
from tests.browser.sign_in import PASSWORD, sign_in

pytestmark = pytest.mark.browser


PAPER_ID = "2401.00001"
CARD = "#paper-240100001"


@pytest.fixture
def site(transactional_db, django_user_model):
    """A paper in the database (as the arXiv import left it) but on no page yet: the inline submit then
    needs no network. Plus a second member and an admin."""
    paper = Paper.objects.create(id=PAPER_ID, title="Attention again", abstract="We attend.", published_at=timezone.now())
    for position, name in enumerate(["Ada Lovelace", "Charles Babbage"]):
        Authorship.objects.create(paper=paper, author=Author.objects.create(name=name), position=position, name=name)
    django_user_model.objects.create_user(username="bob", email="bob@example.org", password=PASSWORD)
    django_user_model.objects.create_superuser(username="root", email="root@example.org", password=PASSWORD)
    return paper


def _new_page(browser, errors):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page


def _sign_up(page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.locator("#member-nav").get_by_role("link", name="Sign up").click()
    page.wait_for_url(re.compile(r"/accounts/signup/"))
    page.fill("input[name=email]", "ada@example.org")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.locator("form", has=page.locator("input[name=password2]")).locator("button[type=submit]").click()
    expect(page.get_by_test_id("username")).to_have_text("ada")  # signed in at once


def _confirm_email(page) -> None:
    """Open the confirmation link of the mail the signup sent, and confirm."""
    [message] = [m for m in mail.outbox if "ada@example.org" in m.to]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    page.goto(link)
    page.locator("main").get_by_role("button", name="Confirm").click()
    expect(page.locator("body")).to_contain_text("confirmed")


def test_the_community_walk_from_signup_to_author_participating(live_server, browser, site, artifacts):
    errors = []
    base = live_server.url

    # Sign up through the allauth form, confirm the e-mail from the mail it sent.
    ada = _new_page(browser, errors)
    _sign_up(ada, base)
    _confirm_email(ada)
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.get(username="ada").emailaddress_set.get().verified

    # Submit the paper with the inline box on today's page; it answers in place, and the page shows it.
    ada.goto(base + "/")
    ada.evaluate("window.__noReload = true")
    ada.get_by_test_id("submit-input").fill(f"https://arxiv.org/abs/{PAPER_ID}")
    ada.get_by_test_id("submit-button").click()
    expect(ada.get_by_test_id("submit-done")).to_contain_text("Submitted Attention again to the page of")
    assert ada.evaluate("window.__noReload") is True, "the submission answered in place"
    ada.reload()
    card = ada.locator(CARD)
    expect(card.locator(".paper-title")).to_have_text("Attention again")
    assert DailyEntry.objects.get(paper_id=PAPER_ID).date == timezone.localdate()

    # Comment on the paper page.
    card.locator(".paper-title a").click()
    ada.wait_for_url(re.compile(rf"/papers/{re.escape(PAPER_ID)}$"))
    ada.get_by_test_id("comment-source").fill("Does this hold for **long** inputs?")
    ada.get_by_test_id("comment-submit").click()
    expect(ada.get_by_test_id("comment-body").first.locator("strong")).to_have_text("long")
    expect(ada.get_by_test_id("comment-count")).to_have_text("(1)")

    # A second member replies and mentions @ada.
    bob = _new_page(browser, errors)
    sign_in(bob, base, "bob", f"/papers/{PAPER_ID}")
    first = bob.get_by_test_id("comment").first
    expect(first.get_by_test_id("comment-body")).to_contain_text("Does this hold for long inputs?")
    first.locator("summary", has_text="Reply").click()
    first.get_by_test_id("reply-source").fill("It does, @ada: see section 4.")
    first.get_by_test_id("reply-submit").click()
    reply_body = bob.locator(".comment-replies [data-testid=comment-body]")
    expect(reply_body.locator("a.mention")).to_have_attribute("href", "/u/ada")
    expect(bob.get_by_test_id("comment-count")).to_have_text("(2)")

    # The first member sees the count in the header and the notification in /notifications.
    ada.goto(base + "/")
    expect(ada.get_by_test_id("notification-count")).to_have_text("1")
    expect(ada.get_by_test_id("notifications-link")).to_have_attribute("aria-label", "Notifications: 1 unread")
    ada.get_by_test_id("notifications-link").click()
    ada.wait_for_url(re.compile(r"/notifications$"))
    expect(ada.get_by_test_id("notification")).to_have_count(1)
    expect(ada.get_by_test_id("notification")).to_contain_text("bob replied to your comment on “Attention again”")
    ada.get_by_test_id("notification").locator("a").first.click()
    ada.wait_for_url(re.compile(rf"/papers/{re.escape(PAPER_ID)}#comment-\d+$"))
    expect(ada.locator(".comment-replies [data-testid=comment-body]")).to_contain_text("see section 4")

    # Upvote on today's card: the count moves in place.
    ada.goto(base + "/")
    ada.evaluate("window.__noReload = true")
    card = ada.locator(CARD)
    expect(card.get_by_test_id("upvote-count")).to_have_text("0")
    card.locator("button.upvote-button").click()
    expect(card.get_by_test_id("upvote-count")).to_have_text("1")
    expect(card.locator("button.upvote-button.voted")).to_have_attribute("aria-pressed", "true")

    # Save to a new collection from the card.
    card.get_by_test_id("save-button").click()
    card.get_by_test_id("new-collection-name").fill("Reading group")
    card.get_by_test_id("save-submit").click()
    expect(card.get_by_test_id("save-button")).to_have_text("★ Saved")
    assert ada.evaluate("window.__noReload") is True, "upvote and save ran in place"
    ada.reload()  # and both stick
    expect(ada.locator(CARD).get_by_test_id("upvote-count")).to_have_text("1")
    expect(ada.locator(CARD).get_by_test_id("save-button")).to_have_text("★ Saved")
    ada.locator("#member-nav summary").click()
    ada.locator(".member-menu-items").get_by_role("link", name="Collections", exact=True).click()
    ada.wait_for_url(re.compile(r"/collections$"))
    expect(ada.locator("main")).to_contain_text("Reading group")
    assert list(Collection.objects.get(owner__username="ada").items.values_list("paper_id", flat=True)) == [PAPER_ID]

    # Claim an author slot on the paper page.
    ada.goto(f"{base}/papers/{PAPER_ID}")
    ada.locator("summary", has_text="Are you an author?").click()
    ada.get_by_role("button", name="I am Ada Lovelace").click()
    expect(ada.get_by_test_id("claim-state")).to_have_text("claim pending")
    expect(ada.get_by_test_id("claimed-author")).to_have_count(0)  # not before an admin approves

    # An admin approves it with the claims admin action.
    admin = _new_page(browser, errors)
    sign_in(admin, base, "root", "/admin/accounts/authorclaim/")
    row = admin.locator("#result_list tbody tr", has_text="ada")
    expect(row).to_have_count(1)
    row.locator("input[name=_selected_action]").check()
    admin.select_option("select[name=action]", "approve")
    admin.locator("button[name=index], input[name=index]").first.click()
    expect(admin.locator(".messagelist")).to_contain_text("Approved 1 claim")
    assert AuthorClaim.objects.get().status == "approved"

    # The first member's card on today's page says "author participating"; the name links to the profile.
    ada.goto(base + "/")
    card = ada.locator(CARD)
    expect(card.get_by_test_id("author-participating")).to_have_text("author participating")
    card.locator(".paper-title a").click()
    ada.wait_for_url(re.compile(rf"/papers/{re.escape(PAPER_ID)}$"))
    expect(ada.get_by_test_id("claim-state")).to_have_text("you are Ada Lovelace")
    claimed = ada.get_by_test_id("claimed-author")
    expect(claimed).to_have_text("Ada Lovelace")
    claimed.click()
    ada.wait_for_url(re.compile(r"/u/ada$"))
    expect(ada.get_by_test_id("profile-authored")).to_contain_text("Attention again")
    ada.screenshot(path=str(artifacts / "community-walk-profile.png"), full_page=True)

    # An anonymous reader sees the same card (the shared cache was refreshed, not only the member's view).
    reader = _new_page(browser, errors)
    reader.goto(base + "/")
    expect(reader.locator(CARD).get_by_test_id("author-participating")).to_have_text("author participating")
    expect(reader.locator(CARD).get_by_test_id("upvote-count")).to_have_text("1")
    expect(reader.locator(CARD).get_by_test_id("card-comment-count")).to_have_text("2 comments")

    assert errors == []
    for page in (ada, bob, admin, reader):
        page.context.close()
