"""Comments: rendering rules, counts, threads, ownership, mentions, rate limits, moderation."""

import pytest
from django.test import Client, override_settings

from dailypapers.community import services
from dailypapers.community.models import Comment, Mention, ModerationAction, Report
from dailypapers.lib.markdown import render_untrusted
from dailypapers.papers.models import Paper
from dailypapers.papers.services import set_upvote
from tests.adversarial.test_xss_corpus import PAYLOADS, assert_inert_html

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user(username="bob", email="bob@example.org", password="correct-horse-9")


@pytest.fixture
def moderator(django_user_model):
    return django_user_model.objects.create_superuser(username="mod", email="mod@example.org", password="correct-horse-9")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def num_comments(paper) -> int:
    paper.refresh_from_db(fields=["num_comments"])
    return paper.num_comments


# Rendering


def test_markdown_renders_to_the_allowlist_only():
    html = render_untrusted("**bold** _em_ `code`\n\n> quote\n\n- item\n\n1. one\n\n```\npre\n```\n\n# Heading\n\n<b>raw</b>")
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html and "<code>code</code>" in html
    assert "<blockquote>" in html and "<ul>" in html and "<ol>" in html and "<pre><code>pre" in html
    assert "<h1" not in html and "<b>" not in html and "&lt;b&gt;raw&lt;/b&gt;" in html


@pytest.mark.parametrize(
    "source, href",
    [("[a](https://example.org/x)", "https://example.org/x"), ("[a](mailto:a@example.org)", "mailto:a@example.org")],
)
def test_allowed_links_get_nofollow_ugc(source, href):
    html = render_untrusted(source)
    assert f'href="{href}"' in html and 'rel="nofollow ugc noopener"' in html


@pytest.mark.parametrize("source", ["[a](javascript:alert(1))", "[a](data:text/html,x)", "[a](/admin/)", "[a](vbscript:x)", "<javascript:alert(1)>"])
def test_other_links_are_not_links(source):
    assert "href" not in render_untrusted(source)


def test_images_are_not_rendered():
    assert "<img" not in render_untrusted("![x](https://example.org/a.png)")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xss_payloads_are_inert_in_the_rendered_comment_and_on_the_page(payload, paper, member):
    comment = services.post_comment(member, paper, f"{payload}\n\n*{payload}*\n\n[{payload}]({payload})")
    assert_inert_html(comment.html, payload)
    response = Client().get(paper.get_absolute_url())
    assert response.status_code == 200
    assert_inert_html(response.content.decode(), payload)
    assert "<script>window.__xss" not in response.content.decode()


# Counts, threads, edit, delete


def test_num_comments_counts_visible_comments(paper, member, bob, moderator):
    first = services.post_comment(member, paper, "first")
    reply = services.post_comment(bob, paper, "a reply", parent=first)
    assert num_comments(paper) == 2 and reply.parent == first
    services.delete_comment(member, first)
    assert num_comments(paper) == 1
    services.hide_comment(moderator, reply)
    assert num_comments(paper) == 0
    services.unhide_comment(moderator, reply)
    assert num_comments(paper) == 1


def test_a_reply_must_be_on_the_same_paper(paper, member):
    other = Paper.objects.create(id="2401.00002", title="Other", abstract="x")
    parent = services.post_comment(member, other, "elsewhere")
    with pytest.raises(services.CommentError):
        services.post_comment(member, paper, "reply", parent=parent)


def test_empty_and_too_long_comments_are_refused(paper, member):
    with pytest.raises(services.CommentError):
        services.post_comment(member, paper, "   ")
    with pytest.raises(services.CommentError):
        services.post_comment(member, paper, "x" * 10_001)
    assert Comment.objects.count() == 0


def test_page_post_reply_edit_delete(paper, member, bob):
    client = client_for(member)
    response = client.post(f"/papers/{paper.id}/comments/new", {"source": "Nice **paper**"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "<strong>paper</strong>" in response.content.decode()
    comment = Comment.objects.get()
    response = client_for(bob).post(f"/papers/{paper.id}/comments/new", {"source": "Agreed", "parent": comment.pk}, HTTP_HX_REQUEST="true")
    assert Comment.objects.get(source="Agreed").parent == comment and num_comments(paper) == 2
    assert 'data-testid="comment-count">(2)</span>' in response.content.decode(), "the swapped thread shows the new count"

    response = client.post(f"/comments/{comment.pk}/edit", {"source": "Nice paper, edited"}, HTTP_HX_REQUEST="true")
    comment.refresh_from_db()
    assert comment.source == "Nice paper, edited" and comment.edited_at is not None
    assert "(edited)" in response.content.decode()

    response = client.post(f"/comments/{comment.pk}/delete", HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "[deleted]" in page and "Agreed" in page, "the reply keeps its place under a deleted comment"
    assert "Nice paper, edited" not in page
    assert num_comments(paper) == 1


def test_without_htmx_a_post_redirects_back_to_the_thread(paper, member):
    response = client_for(member).post(f"/papers/{paper.id}/comments/new", {"source": "plain form"})
    assert response.status_code == 302 and response["Location"] == paper.get_absolute_url() + "#comments"
    assert "plain form" in Client().get(paper.get_absolute_url()).content.decode()


def test_anonymous_cannot_comment(paper):
    response = Client().post(f"/papers/{paper.id}/comments/new", {"source": "hi"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Comment.objects.count() == 0


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_another_member_cannot_edit_or_delete_by_changing_ids(paper, member, bob, action):
    comment = services.post_comment(member, paper, "mine")
    response = client_for(bob).post(f"/comments/{comment.pk}/{action}", {"source": "hijacked"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.source == "mine" and comment.deleted_at is None and comment.edited_at is None
    assert client_for(bob).post(f"/comments/{comment.pk + 100}/{action}", {"source": "x"}).status_code == 404


def test_a_deleted_comment_cannot_be_edited(paper, member):
    comment = services.post_comment(member, paper, "mine")
    services.delete_comment(member, comment)
    assert client_for(member).post(f"/comments/{comment.pk}/edit", {"source": "back"}).status_code == 403


def test_cards_show_the_comment_count(sample_papers, member):
    paper = Paper.objects.filter(daily_entry__isnull=False).first()
    services.post_comment(member, paper, "one")
    services.post_comment(member, paper, "two")
    from dailypapers.papers.models import DailyEntry

    entry = DailyEntry.objects.get(paper=paper)
    page = Client().get(f"/papers/date/{entry.date.isoformat()}").content.decode()
    assert f'href="/papers/{paper.id}#comments"' in page and "2 comments" in page


# Mentions


def test_mentions_of_members_link_and_are_recorded(paper, member, bob):
    comment = services.post_comment(member, paper, "cc @bob and @nobody, mail bob@example.org")
    assert 'href="/u/bob"' in comment.html and 'class="mention"' in comment.html
    assert "/u/nobody" not in comment.html and "mailto" not in comment.html
    assert list(Mention.objects.values_list("user__username", flat=True)) == ["bob"]
    services.edit_comment(member, comment, "no mention now")
    assert Mention.objects.count() == 0


# Rate limits


@override_settings(DAILYPAPERS_WRITE_RATE_PER_MINUTE=2)
def test_comment_rate_limit_answers_429(paper, member):
    client = client_for(member)
    for i in range(2):
        assert client.post(f"/papers/{paper.id}/comments/new", {"source": f"c{i}"}, HTTP_HX_REQUEST="true").status_code == 200
    response = client.post(f"/papers/{paper.id}/comments/new", {"source": "one too many"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert Comment.objects.count() == 2


# Reports and moderation


def test_report_and_moderation_actions_are_audited(paper, member, bob, moderator):
    comment = services.post_comment(member, paper, "rude")
    response = client_for(bob).post(f"/comments/{comment.pk}/report", {"reason": "rude"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "moderator will look" in response.content.decode()
    report = Report.objects.get()
    assert report.reporter == bob and not report.resolved
    with pytest.raises(services.CommentError):
        services.report_comment(member, comment, "my own")

    admin = client_for(moderator)
    response = admin.post("/admin/community/report/", {"action": "hide_and_resolve", "_selected_action": [report.pk]})
    assert response.status_code == 302
    comment.refresh_from_db()
    report.refresh_from_db()
    assert comment.hidden_at is not None and report.resolved and num_comments(paper) == 0
    assert set(ModerationAction.objects.values_list("kind", "moderator__username")) == {("hide", "mod"), ("resolve", "mod")}
    page = Client().get(paper.get_absolute_url()).content.decode()
    assert "rude" not in page
    open_queue = admin.get("/admin/community/report/?resolved_at__isempty=1").content.decode()
    assert f'name="_selected_action" value="{report.pk}"' not in open_queue
    assert f'name="_selected_action" value="{report.pk}"' in admin.get("/admin/community/report/").content.decode()


def test_ban_hides_content_and_stops_votes_counting(paper, member, bob, moderator):
    services.post_comment(member, paper, "by ada")
    services.post_comment(bob, paper, "by bob")
    set_upvote(member, paper, True)
    set_upvote(bob, paper, True)
    paper.refresh_from_db()
    assert paper.member_upvotes == 2 and paper.num_comments == 2

    services.set_banned(moderator, member, True)
    paper.refresh_from_db()
    member.refresh_from_db()
    assert not member.is_active and paper.member_upvotes == 1 and paper.num_comments == 1
    page = Client().get(paper.get_absolute_url()).content.decode()
    assert "by ada" not in page and "by bob" in page
    assert ModerationAction.objects.filter(kind="ban", member=member, moderator=moderator).exists()

    services.set_banned(moderator, member, False)
    paper.refresh_from_db()
    assert paper.member_upvotes == 2 and paper.num_comments == 2


def test_an_inactive_members_new_vote_does_not_count(paper, member):
    member.is_active = False
    member.save()
    set_upvote(member, paper, True)
    paper.refresh_from_db()
    assert paper.member_upvotes == 0
    set_upvote(member, paper, False)
    paper.refresh_from_db()
    assert paper.member_upvotes == 0


def test_staff_are_not_banned(moderator):
    with pytest.raises(services.CommentError):
        services.set_banned(moderator, moderator, True)


def test_ban_from_the_admin(paper, member, moderator):
    comment = services.post_comment(member, paper, "spam")
    response = client_for(moderator).post("/admin/community/comment/", {"action": "ban_authors", "_selected_action": [comment.pk]})
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.is_active and num_comments(paper) == 0
    client_for(moderator).post("/admin/community/comment/", {"action": "unban_authors", "_selected_action": [comment.pk]})
    member.refresh_from_db()
    assert member.is_active and num_comments(paper) == 1
    assert list(ModerationAction.objects.order_by("created_at", "pk").values_list("kind", flat=True)) == ["ban", "unban"]


def test_a_comment_shows_on_the_next_anonymous_request_of_a_cached_paper_page(client, db, django_user_model):
    """The paper page is served from the page cache to anonymous readers; a comment, its edit and a
    ban (a queryset update, no signal) each reach the next request."""
    from dailypapers.community import services
    from dailypapers.papers.models import Paper

    paper = Paper.objects.create(id="2611.04242", title="Cached paper")
    member = django_user_model.objects.create_user("writer", "writer@example.org", "pw-123456789")
    moderator = django_user_model.objects.create_superuser("mod", "mod@example.org", "pw-123456789")
    url = paper.get_absolute_url()
    assert "first thoughts" not in client.get(url).content.decode()
    client.get(url)  # now cached
    comment = services.post_comment(member, paper, "first thoughts")
    assert "first thoughts" in client.get(url).content.decode()
    services.edit_comment(member, comment, "second thoughts")
    assert "second thoughts" in client.get(url).content.decode()
    services.set_banned(moderator, member, True)
    assert "second thoughts" not in client.get(url).content.decode()
