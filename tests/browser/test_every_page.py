"""Every page type in a real browser, at desktop and phone widths, over the bundled demo data (issue 29):
no Content-Security-Policy violation, no console error, no script error, nothing wider than the screen;
and on a phone the member menu opens inside the screen. The date picker (broken by the policy when it
used an inline ``onchange``) navigates."""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from dailypapers.community import services as community
from dailypapers.papers import collections
from dailypapers.papers.models import Authorship, DailyEntry, Organization
from tests.browser.sign_in import PASSWORD, sign_in

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": (1280, 900), "phone": (360, 780)}  # the narrowest common phone


@pytest.fixture
def demo_site(transactional_db, django_user_model):
    call_command("ingest", "demo", verbosity=0)
    ada = django_user_model.objects.create_user(username="ada", email="ada@example.org", password=PASSWORD)
    bob = django_user_model.objects.create_user(username="bob", email="bob@example.org", password=PASSWORD)
    entry = DailyEntry.objects.filter(paper__github_repo__gt="").select_related("paper").order_by("-date").first()
    paper = entry.paper
    reading = collections.create_collection(ada, "Reading group", is_public=True)
    collections.save_paper(reading, paper, note="section 3")
    first = community.post_comment(ada, paper, "Is $x^2$ the **loss**?")
    community.post_comment(bob, paper, "@ada yes, see eq. 3", parent=first)
    return {
        "paper": paper,
        "day": entry.date,
        "collection": reading,
        "organization": Organization.objects.filter(papers__isnull=False).first(),
        "author": Authorship.objects.filter(paper=paper).first().author,
    }


def _pages(site) -> dict[str, list[str]]:
    day = site["day"]
    paper = site["paper"]
    anonymous = [
        "/",
        f"/papers/date/{day:%Y-%m-%d}",
        f"/papers/date/{day - dt.timedelta(days=2):%Y-%m-%d}",
        f"/papers/week/{day:%G-W%V}",
        f"/papers/month/{day:%Y-%m}",
        "/papers/trending",
        "/about/ranking",
        "/trends",
        "/trends?q=diffusion&q=language+model&q=category:cs.CL",
        paper.get_absolute_url(),
        "/search?q=diffusion+models",
        f"/organizations/{site['organization'].slug}",
        "/papers?category=cs.CL",
        "/u/ada",
        f"/authors/{site['author'].pk}",
        f"/c/{site['collection'].pk}",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/digests/subscribe",
        "/papers/no-such-paper-here",
    ]
    member = [
        "/",
        paper.get_absolute_url(),
        "/for-you",
        "/following",
        "/collections",
        f"/collections/{site['collection'].pk}",
        "/notifications",
        "/me/papers",
        "/papers/submit",
        "/settings/profile",
        "/settings/api-tokens",
        "/settings/notifications",
        "/digests/settings",
        "/accounts/email/",
        "/accounts/password/change/",
        "/settings/account/delete",
        "/u/ada",
    ]
    return {"anonymous": anonymous, "member": member}


def _watch(page, problems: list[str]) -> None:
    page.on("console", lambda msg: problems.append(f"{page.url}: console {msg.type}: {msg.text}")
            if msg.type in ("error", "warning") or "Content Security Policy" in msg.text else None)
    page.on("pageerror", lambda exc: problems.append(f"{page.url}: script error: {exc}"))


def _wider_than_the_screen(page) -> list[str]:
    """Elements partly on and partly off the screen (what makes a phone page scroll sideways, or cuts a
    menu off); a honeypot placed far off-screen on purpose is not one."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth, out = [];
        for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.width && r.height && el.checkVisibility({visibilityProperty: true}) && !el.closest('.skip-link')
                && ((r.right > width + 1 && r.left < width) || (r.left < -1 && r.right > 0)))
                out.push(el.tagName + '.' + el.className + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
        }
        return out.slice(0, 5);
    }""")


def _broken_controls(page) -> list[str]:
    """Short controls (links in a nav, labels, buttons) whose words break over two lines."""
    return page.evaluate("""() => {
        const out = [];
        for (const el of document.querySelectorAll('nav a, label, button, .button, summary, .period-nav > *')) {
            const box = el.getBoundingClientRect();
            if (el.textContent.trim().length > 24 || box.right <= 0 || !el.checkVisibility({visibilityProperty: true})) continue;
            const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                if (!node.textContent.trim()) continue;
                const range = document.createRange(); range.selectNodeContents(node);
                const tops = Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => r.top);
                if (tops.length > 1 && Math.max(...tops) - Math.min(...tops) > 4) { out.push(el.textContent.trim()); break; }
            }
        }
        return out.slice(0, 5);
    }""")


@pytest.mark.parametrize("size", WIDTHS)
def test_every_page_type_has_no_console_error_and_fits_the_screen(live_server, browser, demo_site, size, artifacts):
    width, height = WIDTHS[size]
    problems: list[str] = []
    overflow: dict[str, list[str]] = {}
    for who, paths in _pages(demo_site).items():
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.set_default_timeout(15_000)
        _watch(page, problems)
        if who == "member":
            sign_in(page, live_server.url, "ada")
        for path in paths:
            page.goto(live_server.url + path)
            page.wait_for_load_state("load")
            if wide := _wider_than_the_screen(page):
                overflow[f"{who} {path}"] = wide
            if broken := _broken_controls(page):
                overflow[f"{who} {path} (broken over two lines)"] = broken
            if size == "phone":
                name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
                page.screenshot(path=str(artifacts / f"walk-{who}-{name}-phone.png"))
        context.close()
    assert [p for p in problems if "404 (Not Found)" not in p or "no-such-paper" not in p] == []
    assert overflow == {}, "\n".join(f"{k}: {v}" for k, v in overflow.items())


def test_the_member_menu_opens_inside_a_phone_screen(live_server, browser, demo_site, artifacts):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, live_server.url, "ada")
    page.get_by_test_id("username").click()
    items = page.locator(".member-menu-items")
    expect(items).to_be_visible()
    box = items.bounding_box()
    page.screenshot(path=str(artifacts / "member-menu-phone.png"))
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    for link in page.locator(".member-menu-items a").all():
        link_box = link.bounding_box()
        assert 0 <= link_box["x"] and link_box["x"] + link_box["width"] <= 390, link.text_content()
    context.close()


def test_the_save_popover_opens_inside_a_phone_screen(live_server, browser, demo_site, artifacts):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server.url, "ada")
    card = page.locator("#entry-list article.paper-card").first
    card.get_by_test_id("save-button").click()
    expect(card.get_by_test_id("new-collection-name")).to_be_visible()
    page.screenshot(path=str(artifacts / "save-popover-phone.png"))
    box = card.locator(".save-popover").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    context.close()


def test_the_date_picker_goes_to_the_chosen_day(live_server, page, demo_site):
    problems: list[str] = []
    _watch(page, problems)
    day = demo_site["day"]
    page.goto(f"{live_server.url}/papers/date/{day:%Y-%m-%d}")
    target = day - dt.timedelta(days=3)
    page.locator("form.date-picker input[type=date]").fill(f"{target:%Y-%m-%d}")
    page.wait_for_url(re.compile(re.escape(f"/papers/date/{target:%Y-%m-%d}") + "$"))
    expect(page.get_by_test_id("period-label")).to_contain_text(str(target.day))
    assert problems == []


def test_an_empty_notification_count_takes_no_room(live_server, browser, demo_site):
    # ada has a reply waiting: read it first.
    from dailypapers.community.models import Notification

    Notification.objects.filter(recipient__username="ada").update(read_at=timezone.now())
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_server.url, "ada")
    count = page.get_by_test_id("notification-count")
    box = count.bounding_box()
    assert box is None or (box["width"] <= 1 and box["height"] <= 1), box
    # The bell is drawn by the page (inline SVG), not by an emoji font the reader may lack.
    expect(page.get_by_test_id("notifications-link").locator("svg")).to_have_count(1)
    context.close()
