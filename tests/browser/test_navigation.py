"""Moving around by keyboard and history (issue 29): search suggestions take the arrow keys, and "Show
more" puts the page in the address bar so Back returns to the same place in the list."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dailypapers.papers.models import DailyEntry, Paper
from tests.search.conftest import isolated_search_backend, run_index_tasks  # noqa: F401 (fixture)
from tests.search.test_search import CORPUS, ingest

pytestmark = pytest.mark.browser


@pytest.fixture
def long_day(transactional_db):
    day = timezone.localdate() - dt.timedelta(days=1)
    start = timezone.now() - dt.timedelta(days=1)
    for n in range(60):
        paper = Paper.objects.create(id=f"2401.{n:05d}", title=f"Paper number {n:02d}", abstract="Text.",
                                     imported_upvotes=100 - n, published_at=start)
        DailyEntry.objects.create(paper=paper, date=day, submitted_at=start + dt.timedelta(minutes=n))
    return day


def test_show_more_keeps_its_place_in_the_address_bar_and_through_back(live_server, page, long_day):
    url = f"{live_server.url}/papers/date/{long_day:%Y-%m-%d}"
    page.goto(url)
    cards = page.locator("#entry-list article.paper-card")
    expect(cards).to_have_count(50)
    page.evaluate("window.__noReload = true")
    page.get_by_test_id("show-more").click()
    expect(cards).to_have_count(60)
    assert page.evaluate("window.__noReload") is True  # in place
    page.wait_for_url(re.compile(re.escape(url) + r"\?page=2$"))
    # Open a paper of the second page, then come back.
    later = page.locator("#paper-240100055")
    later.scroll_into_view_if_needed()
    later.locator(".paper-title a").click()
    page.wait_for_url(re.compile(r"/papers/2401\.00055$"))
    page.go_back()
    page.wait_for_url(re.compile(re.escape(url) + r"\?page=2$"))
    expect(cards).to_have_count(60)  # the whole list so far, not page 2 alone
    expect(page.locator(".count-line")).to_have_text("60 papers")
    expect(page.locator("#paper-240100055")).to_be_visible()
    expect(page.locator("#paper-240100000")).to_have_count(1)


def test_search_suggestions_take_the_arrow_keys(live_server, page, transactional_db, isolated_search_backend):  # noqa: F811
    ingest(CORPUS)
    run_index_tasks()
    page.goto(live_server.url + "/")
    box = page.locator("form.header-search input[name=q]")
    box.press_sequentially("protein fold", delay=30)
    suggestions = page.get_by_test_id("suggestions")
    expect(suggestions).to_contain_text("Protein folding with transformers")
    links = suggestions.locator("a")
    box.press("ArrowDown")
    expect(links.first).to_be_focused()
    expect(suggestions.locator("[role=option]").first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")
    expect(links.nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(box).to_be_focused()  # above the first suggestion is the box again
    page.keyboard.press("ArrowDown")
    href = links.first.get_attribute("href")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(href) + "$"))
    # Escape closes the suggestions and leaves the reader typing.
    page.goto(live_server.url + "/")
    box.press_sequentially("protein", delay=30)
    expect(page.get_by_test_id("suggestions")).to_be_visible()
    box.press("Escape")
    expect(page.get_by_test_id("suggestions")).to_have_count(0)
    expect(box).to_be_focused()
