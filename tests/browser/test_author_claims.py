"""Author claims in a real browser: a member claims in place (htmx), an admin approves in the
admin, and the day's card says "author participating" with the name linked to the profile."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dailypapers.accounts.models import AuthorClaim
from dailypapers.papers.models import Author, Authorship, DailyEntry, Paper
from tests.browser.sign_in import sign_in


@pytest.fixture
def paper_of_the_day(transactional_db, django_user_model):
    paper = Paper.objects.create(id="2401.00001", title="Attention again", abstract="We attend.", published_at=timezone.now())
    for position, name in enumerate(["Ada Lovelace", "Charles Babbage"]):
        Authorship.objects.create(paper=paper, author=Author.objects.create(name=name), position=position, name=name)
    DailyEntry.objects.create(paper=paper, date=timezone.localdate(), submitted_at=timezone.now())
    django_user_model.objects.create_user(username="ada", email="ada@example.org", password="correct-horse-9")
    django_user_model.objects.create_superuser(username="root", email="root@example.org", password="correct-horse-9")
    return paper


def test_member_claims_admin_approves_card_says_author_participating(live_server, browser, paper_of_the_day, artifacts):
    errors = []
    member = browser.new_context().new_page()
    member.set_default_timeout(15_000)
    member.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(member, live_server.url, "ada", "/papers/2401.00001")
    member.evaluate("window.__noReload = true")
    member.locator("summary", has_text="Are you an author?").click()
    member.get_by_role("button", name="I am Ada Lovelace").click()
    expect(member.get_by_test_id("claim-state")).to_have_text("claim pending")
    assert member.evaluate("window.__noReload") is True, "the claim was made in place"
    assert AuthorClaim.objects.get().status == "pending"

    admin = browser.new_context().new_page()
    admin.set_default_timeout(15_000)
    sign_in(admin, live_server.url, "root", "/admin/accounts/authorclaim/")
    admin.locator("input[name=_selected_action]").first.check()
    admin.select_option("select[name=action]", "approve")
    admin.locator("button[name=index], input[name=index]").first.click()
    expect(admin.locator(".messagelist")).to_contain_text("Approved 1 claim")
    assert Author.objects.get(name="Ada Lovelace").user.username == "ada"

    reader = browser.new_context().new_page()
    reader.set_default_timeout(15_000)
    reader.goto(live_server.url + "/")
    card = reader.locator("#paper-240100001")
    expect(card.get_by_test_id("author-participating")).to_have_text("author participating")
    reader.goto(live_server.url + "/papers/2401.00001")
    reader.get_by_test_id("claimed-author").click()
    reader.wait_for_url(re.compile(r"/u/ada$"))
    expect(reader.get_by_test_id("profile-authored")).to_contain_text("Attention again")
    reader.screenshot(path=str(artifacts / "profile-with-claimed-paper.png"), full_page=True)
    assert errors == []
    for context in (member.context, admin.context, reader.context):
        context.close()
