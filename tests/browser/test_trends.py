"""The trends page in a real chromium: compare two topics, see the chart, save a screenshot."""

import pytest
from playwright.sync_api import expect

from tests.enrichment.test_trends import CORPUS
from tests.search.conftest import empty_postgres_search_tables, isolated_search_backend  # noqa: F401 (fixture)
from tests.search.test_search import ingest

pytestmark = pytest.mark.browser


def test_compare_two_topics_and_read_the_chart(live_server, page, transactional_db, isolated_search_backend, artifacts):  # noqa: F811
    from dailypapers.search import get_backend

    empty_postgres_search_tables()  # earlier browser tests' papers (the demo) are counted there otherwise
    ingest(CORPUS)
    get_backend().process_pending_updates()
    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Trends").click()
    page.wait_for_url("**/trends")
    page.get_by_label("Topic 1").fill("diffusion")
    page.get_by_label("Topic 2").fill("transformer")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**/trends?q=diffusion&q=transformer*")
    chart = page.get_by_role("img", name="Papers and upvotes per month: diffusion, transformer")
    expect(chart).to_be_visible()
    expect(chart.locator("polyline")).to_have_count(4)
    box = chart.bounding_box()
    assert box["width"] > 600 and box["height"] > 300  # drawn at a readable size, not collapsed
    expect(page.get_by_test_id("trends-total").first).to_have_text("diffusion: 3 papers, 16 upvotes")
    page.screenshot(path=str(artifacts / "trends.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_test_id("trends-csv").click()
    assert download.value.suggested_filename == "trends.csv"
