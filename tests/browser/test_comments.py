"""Comments in a real browser: post, reply and edit in place (htmx), with the CSP in force."""


import pytest
from playwright.sync_api import expect

from dailypapers.community.models import Comment
from dailypapers.papers.models import Paper
from tests.browser.sign_in import sign_in


@pytest.fixture
def reader(transactional_db, django_user_model):
    Paper.objects.create(id="2401.00001", title="Attention again", abstract="We attend.")
    django_user_model.objects.create_user(username="bob", email="bob@example.org", password="correct-horse-9")
    return django_user_model.objects.create_user(username="ada", email="ada@example.org", password="correct-horse-9")


def test_post_reply_and_edit_a_comment_in_place(live_server, page, reader, artifacts):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server.url, "ada", "/papers/2401.00001")

    page.evaluate("window.__noReload = true")
    page.get_by_test_id("comment-source").fill("Nice **result**, cc @bob <script>window.__xss=1</script>")
    page.get_by_test_id("comment-submit").click()
    body = page.get_by_test_id("comment-body").first
    expect(body.locator("strong")).to_have_text("result")
    expect(body.locator("a.mention")).to_have_attribute("href", "/u/bob")
    expect(page.get_by_test_id("comment-count")).to_have_text("(1)")

    first = page.get_by_test_id("comment").first
    first.locator("summary", has_text="Reply").click()
    first.get_by_test_id("reply-source").fill("A *reply*")
    first.get_by_test_id("reply-submit").click()
    expect(page.locator(".comment-replies [data-testid=comment-body] em")).to_have_text("reply")
    expect(page.get_by_test_id("comment-count")).to_have_text("(2)")

    reply = page.locator(".comment-replies [data-testid=comment]").first
    reply.locator("summary", has_text="Edit").click()
    reply.get_by_test_id("edit-source").fill("An edited reply")
    reply.get_by_test_id("edit-submit").click()
    expect(page.locator(".comment-replies [data-testid=comment-edited]")).to_have_count(1)
    expect(page.locator(".comment-replies [data-testid=comment-body]")).to_have_text("An edited reply")

    assert page.evaluate("window.__noReload") is True, "every step ran in place"
    assert page.evaluate("window.__xss") is None
    assert errors == []
    page.screenshot(path=str(artifacts / "paper-comments.png"), full_page=True)
    top = Comment.objects.get(parent=None)
    assert Comment.objects.get(parent=top).source == "An edited reply"
