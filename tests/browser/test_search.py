"""Search as a reader uses it: typing in the header box of a real chromium, then the results page."""

import pytest
from playwright.sync_api import expect

from tests.search.conftest import isolated_search_backend, run_index_tasks  # noqa: F401 (fixture)
from tests.search.test_search import CORPUS, ingest

pytestmark = pytest.mark.browser


def test_search_as_you_type_then_results_and_similar(
    live_server, page, transactional_db, isolated_search_backend, artifacts  # noqa: F811
):
    ingest(CORPUS)
    run_index_tasks()
    page.goto(live_server.url + "/")
    box = page.locator("form.header-search input[name=q]")
    box.press_sequentially("protein fold", delay=30)
    suggestions = page.get_by_test_id("suggestions")
    expect(suggestions).to_contain_text("Protein folding with transformers")
    expect(suggestions.locator("mark").first).to_have_text("Protein")
    page.screenshot(path=str(artifacts / "search-suggestions.png"))
    box.press("Enter")
    page.wait_for_url("**/search?q=protein+fold*")
    first = page.locator("li.search-hit").first
    expect(first).to_contain_text("Protein folding with transformers")
    first.locator("a").first.click()
    page.wait_for_url("**/papers/2303.00003")
    # Similar papers are loaded into the paper page by htmx.
    expect(page.get_by_test_id("similar-papers").locator("li")).to_have_count(2)
