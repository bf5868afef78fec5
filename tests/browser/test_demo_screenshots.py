"""The bundled demo as a newcomer first sees it (issue 28), at desktop and phone sizes: the day page,
a paper page and search results show real authors, categories, code links and thumbnail placeholders;
screenshots land in test-artifacts/ (docs/screenshot-day.png is the desktop day page filtered to papers
with code)."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from dailypapers.papers.models import Paper
from tests.search.conftest import isolated_search_backend  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture
def demo(transactional_db, isolated_search_backend):  # noqa: F811
    from dailypapers.search import get_backend

    call_command("ingest", "demo", verbosity=0)
    get_backend().process_pending_updates()  # the keyword index (the worker's first job); no vectors needed
    return Paper.objects.filter(github_repo__gt="", daily_entry__isnull=False).exclude(authorships=None).order_by("-daily_entry__date", "pk").first()


def _card_shows_a_real_paper(card) -> None:
    expect(card.get_by_test_id("card-authors")).not_to_have_text(re.compile(r"^\s*\d+ authors?\s*$"))
    expect(card.locator(".badge.cat").first).to_have_text(re.compile(r"^[a-z-]+(\.[A-Za-z-]+)?$"))
    expect(card.get_by_test_id("card-code")).to_have_attribute("href", re.compile(r"^https://(github\.com|gitlab\.com)/"))
    expect(card.locator("[data-testid=card-thumbnail], [data-testid=card-thumbnail-placeholder]")).to_have_count(1)


@pytest.mark.parametrize("size", SIZES)
def test_the_demo_shows_real_papers_on_the_day_page_paper_page_and_search(live_server, browser, demo, size, artifacts):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{live_server.url}/?has_code=1")
    cards = page.locator("#entry-list article.paper-card")
    assert cards.count() >= 5
    for n in range(3):
        _card_shows_a_real_paper(cards.nth(n))
    page.screenshot(path=str(artifacts / f"demo-day-{size}.png"))

    page.goto(live_server.url + demo.get_absolute_url())
    expect(page.get_by_test_id("paper-title")).to_have_text(demo.title)
    names = [a.name for a in demo.ordered_authors()][:2]
    for name in names:
        expect(page.locator(".paper-head")).to_contain_text(name)
    expect(page.locator("dd .badge.cat").first).to_be_visible()
    expect(page.get_by_role("link", name="Code", exact=True)).to_have_attribute("href", demo.github_repo)
    expect(page.locator("[data-testid=paper-thumbnail], [data-testid=paper-thumbnail-placeholder]")).to_have_count(1)
    page.screenshot(path=str(artifacts / f"demo-paper-{size}.png"))

    words = " ".join(demo.title.split()[:4])
    page.goto(f"{live_server.url}/search?q={words}")
    hit = page.locator(f"#paper-{demo.pk.replace('.', '')}")
    expect(hit).to_have_count(1)
    _card_shows_a_real_paper(hit)
    page.screenshot(path=str(artifacts / f"demo-search-{size}.png"))
    context.close()
    assert errors == []
