"""The header and page frame in a real browser: the member menu by keyboard, the skip link, visible
focus, dark mode, and the upvote counts (in place on the paper page; after the login a reader is sent to)."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dailypapers.papers.models import DailyEntry, Paper, Upvote
from tests.browser.sign_in import sign_in, submit_login

pytestmark = pytest.mark.browser


@pytest.fixture
def site(transactional_db, django_user_model):
    paper = Paper.objects.create(id="2401.00001", title="Attention again", abstract="We attend with $x^2$ and `code`.", imported_upvotes=3,
                                 published_at=timezone.now())
    DailyEntry.objects.create(paper=paper, date=timezone.localdate(), submitted_at=timezone.now())
    return django_user_model.objects.create_user(username="ada", email="ada@example.org", password="correct-horse-9")


def _focus_outline(page) -> str:
    return page.evaluate("getComputedStyle(document.activeElement).outlineStyle")


def test_the_member_menu_opens_from_the_keyboard_with_visible_focus(live_server, page, site):
    sign_in(page, live_server.url, "ada")
    summary = page.locator(".member-menu summary")
    summary.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")  # arrive by keyboard, so :focus-visible applies
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    assert _focus_outline(page) != "none"
    expect(page.get_by_role("link", name="My papers")).to_be_hidden()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="My papers")).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Profile"
    for name in ["Notifications", "Digest settings", "API tokens", "Account", "Collections"]:
        expect(page.locator(".member-menu-items").get_by_role("link", name=name, exact=True)).to_be_visible()
    page.get_by_role("link", name="API tokens").click()
    page.wait_for_url(re.compile(r"/settings/api-tokens$"))
    # The settings pages link each other.
    page.locator(".settings-nav").get_by_role("link", name="Notifications").click()
    page.wait_for_url(re.compile(r"/settings/notifications$"))
    expect(page.locator(".settings-nav [aria-current=page]")).to_have_text("Notifications")


def test_the_skip_link_is_the_first_stop_and_moves_to_the_main_content(live_server, page, site):
    page.goto(live_server.url + "/")
    skip = page.get_by_test_id("skip-link")
    assert skip.bounding_box()["y"] < 0  # out of sight until focused
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert skip.bounding_box()["y"] >= 0 and _focus_outline(page) != "none"
    page.keyboard.press("Enter")
    page.wait_for_function("location.hash === '#main'")
    assert page.evaluate("document.activeElement.id") == "main"


def test_the_active_period_tab_shows_keyboard_focus(live_server, page, site):
    page.goto(live_server.url + "/papers/week/" + timezone.localdate().strftime("%G-W%V"))
    active = page.locator(".period-tabs a.active")
    page.locator(".period-tabs a").first.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "active"
    assert _focus_outline(page) != "none"
    assert active.evaluate("e => getComputedStyle(e).outlineColor") != active.evaluate("e => getComputedStyle(e).backgroundColor")


def test_dark_mode_follows_the_system_setting(live_server, browser, site, artifacts):
    backgrounds = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme, viewport={"width": 1000, "height": 800})
        page = context.new_page()
        page.goto(live_server.url + "/papers/2401.00001")
        backgrounds[scheme] = {
            "body": page.evaluate("getComputedStyle(document.body).backgroundColor"),
            "card": page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor"),
            "text": page.evaluate("getComputedStyle(document.body).color"),
        }
        page.screenshot(path=str(artifacts / f"paper-page-{scheme}.png"))
        context.close()
    assert backgrounds["light"]["body"] != backgrounds["dark"]["body"]
    assert backgrounds["light"]["card"] != backgrounds["dark"]["card"]
    assert backgrounds["dark"]["text"] != backgrounds["light"]["text"]


def test_the_header_keeps_off_the_screen_edges_on_a_phone(live_server, browser, site):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(live_server.url + "/")
    brand = page.locator(".brand").bounding_box()
    assert brand["x"] >= 12
    context.close()


def test_an_in_place_upvote_moves_both_counts_on_the_paper_page(live_server, page, site):
    sign_in(page, live_server.url, "ada", "/papers/2401.00001")
    page.evaluate("window.__noReload = true")
    expect(page.get_by_test_id("upvote-total")).to_contain_text("3")
    page.locator(".paper-head button.upvote-button").click()
    expect(page.locator(".paper-head").get_by_test_id("upvote-count")).to_have_text("4")
    expect(page.get_by_test_id("upvote-total")).to_have_text(re.compile(r"^4\b"))
    assert page.evaluate("window.__noReload") is True


def test_a_readers_upvote_lands_after_the_login_it_asks_for(live_server, page, site):
    page.goto(live_server.url + "/papers/2401.00001")
    page.locator(".paper-head button.upvote-button").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    submit_login(page, "ada")
    page.wait_for_url(re.compile(r"/papers/2401\.00001$"))
    expect(page.locator(".paper-head").get_by_test_id("upvote-count")).to_have_text("4")
    expect(page.locator(".paper-head button.upvote-button.voted")).to_have_count(1)
    assert Upvote.objects.filter(user=site, paper_id="2401.00001").exists()


def test_a_reply_shows_in_the_header_count_and_is_marked_read_in_place(live_server, page, site, django_user_model):
    from dailypapers.community import services

    bob = django_user_model.objects.create_user(username="bob", password="correct-horse-9")
    paper = Paper.objects.get(pk="2401.00001")
    services.post_comment(bob, paper, "A reply to @ada", parent=services.post_comment(site, paper, "First"))
    sign_in(page, live_server.url, "ada", "/notifications")
    expect(page.get_by_test_id("notification-count")).to_have_text("1")
    expect(page.get_by_test_id("notifications-link")).to_have_attribute("aria-label", "Notifications: 1 unread")
    expect(page.get_by_test_id("notification")).to_contain_text("bob replied to your comment on “Attention again”")
    page.evaluate("window.__noReload = true")
    page.get_by_test_id("mark-read").click()
    expect(page.get_by_test_id("mark-read")).to_have_count(0)
    expect(page.get_by_test_id("notification-count")).to_have_text("")  # the header follows, out of band
    expect(page.get_by_test_id("notifications-link")).to_have_attribute("aria-label", "Notifications")
    assert page.evaluate("window.__noReload") is True
    page.get_by_test_id("notification").locator("a").first.click()
    page.wait_for_url(re.compile(r"/papers/2401\.00001#comment-\d+$"))


def _submit_inline(page, reference: str) -> None:
    """Send the day page's inline submit form and wait for its answer to be swapped in. The click
    waits until htmx has bound the form (a click before that posts the form as a page and reloads),
    and the test waits for the POST's own response rather than for text with expect's 5 s default,
    which a loaded machine outran (the flaky failure of issue 29)."""
    page.wait_for_function("() => !!(window.htmx && document.querySelector('#submit-paper form')['htmx-internal-data'])")
    page.get_by_test_id("submit-input").fill(reference)
    with page.expect_response(lambda r: r.url.endswith("/papers/submit") and r.request.method == "POST", timeout=30_000):
        page.get_by_test_id("submit-button").click()


def test_the_inline_submit_answers_in_place_and_links_a_paper_already_on_a_page(live_server, page, site):
    sign_in(page, live_server.url, "ada")
    page.evaluate("window.__noReload = true")
    _submit_inline(page, "2401.00001")
    already = page.get_by_test_id("already-on-page")
    expect(already).to_contain_text("already on", timeout=15_000)
    assert page.evaluate("window.__noReload") is True
    already.click()
    page.wait_for_url(re.compile(r"/papers/date/\d{4}-\d{2}-\d{2}#paper-240100001$"))


def test_after_an_inline_submit_the_list_and_its_count_show_the_new_paper(live_server, page, site):
    Paper.objects.create(id="2401.00002", title="Submitted inline", abstract="New.", published_at=timezone.now())
    sign_in(page, live_server.url, "ada")
    expect(page.locator(".count-line")).to_have_text("1 paper")
    page.evaluate("window.__noReload = true")
    _submit_inline(page, "2401.00002")
    expect(page.get_by_test_id("submit-done")).to_contain_text("Submitted inline", timeout=15_000)
    expect(page.locator(".count-line")).to_have_text("2 papers", timeout=15_000)
    expect(page.locator("#entry-list #paper-240100002")).to_have_count(1)
    assert page.evaluate("window.__noReload") is True
