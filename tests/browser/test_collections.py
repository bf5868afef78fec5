"""Collections in a real browser: save from a card into a new collection (htmx popover), add a
note, open the share page; with the CSP in force and nothing reloading in between."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dailypapers.papers.models import Collection, DailyEntry, Paper
from tests.browser.sign_in import sign_in


@pytest.fixture
def reader(transactional_db, django_user_model):
    paper = Paper.objects.create(id="2401.00001", title="Attention again", abstract="We attend.", published_at=timezone.now())
    DailyEntry.objects.create(paper=paper, date=timezone.localdate(), submitted_at=timezone.now())
    return django_user_model.objects.create_user(username="ada", email="ada@example.org", password="correct-horse-9")


def test_save_from_a_card_into_a_new_collection_add_a_note_and_share(live_server, page, reader, artifacts):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server.url, "ada", "/papers")

    page.evaluate("window.__noReload = true")
    card = page.locator(".paper-card").first
    card.get_by_test_id("save-button").click()
    card.get_by_test_id("new-collection-name").fill("To read <script>window.__xss=1</script>")
    card.locator("input[name=new_public]").check()
    card.get_by_test_id("save-submit").click()
    expect(card.get_by_test_id("saved-state")).to_be_visible()
    expect(card.get_by_test_id("save-button")).to_have_text("★ Saved")  # the control re-rendered in place
    expect(card.locator("input.save-tick")).to_be_checked()
    card.locator("input.save-tick").uncheck()  # unticking removes it at once (no submit button)
    expect(card.get_by_test_id("save-button")).to_have_text("☆ Save")
    card.locator("input.save-tick").check()
    expect(card.get_by_test_id("save-button")).to_have_text("★ Saved")
    assert page.evaluate("window.__noReload") is True, "saved in place"
    page.screenshot(path=str(artifacts / "collection-save-popover.png"))

    collection = Collection.objects.get(owner=reader)
    assert collection.is_public and list(collection.items.values_list("paper_id", flat=True)) == ["2401.00001"]

    page.goto(live_server.url + f"/collections/{collection.pk}")
    page.get_by_test_id("note-input").fill("Read section 3 <img src=x onerror=window.__xss=1>")
    page.evaluate("window.__noReload = true")
    # Both forms swap the whole item list: wait for the note's answer before the next click (a
    # click in between lost the read mark when the note's older answer landed last).
    with page.expect_response(lambda response: response.request.method == "POST"):
        page.get_by_test_id("note-save").click()
    expect(page.get_by_test_id("note-input")).to_have_value("Read section 3 <img src=x onerror=window.__xss=1>")
    page.get_by_test_id("mark-read").click()
    expect(page.get_by_test_id("mark-unread")).to_be_visible()
    assert page.evaluate("window.__noReload") is True, "note and read mark saved in place"
    page.screenshot(path=str(artifacts / "collection-owner.png"), full_page=True)

    page.get_by_test_id("share-link").click()
    page.wait_for_url(re.compile(rf"/c/{collection.pk}$"))
    expect(page.get_by_test_id("collection-name")).to_have_text("To read <script>window.__xss=1</script>")
    expect(page.get_by_test_id("item-note")).to_have_text("Read section 3 <img src=x onerror=window.__xss=1>")
    assert page.evaluate("window.__xss") is None
    assert errors == []
    page.screenshot(path=str(artifacts / "collection-shared.png"), full_page=True)
