"""Notifications: replies and mentions notify, preferences are honoured, nobody hears of their own
doing, duplicates are dropped, mail goes through the worker to a verified address, and a member acts
only on their own notifications."""

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from dailypapers.community import notifications, services
from dailypapers.community.models import Mention, Notification, NotificationKind, NotificationPreference
from dailypapers.community.notifications import notify, unread_count
from tests.digests.conftest import smtp_sink  # noqa: F401 - the loopback SMTP server fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user(username="bob", email="bob@example.org", password="correct-horse-9")


@pytest.fixture
def cy(django_user_model):
    return django_user_model.objects.create_user(username="cy", email="cy@example.org", password="correct-horse-9")


def test_a_reply_notifies_the_parent_author(member, bob, paper):
    top = services.post_comment(member, paper, "First")
    reply = services.post_comment(bob, paper, "A reply", parent=top)
    n = Notification.objects.get()
    assert (n.recipient, n.kind, n.actor, n.comment, n.paper) == (member, NotificationKind.REPLY, bob, reply, paper)
    assert n.get_absolute_url() == f"/papers/{paper.pk}#comment-{reply.pk}"
    assert unread_count(member) == 1 and unread_count(bob) == 0


def test_replying_to_oneself_and_mentioning_oneself_notify_nobody(member, paper):
    top = services.post_comment(member, paper, "First, cc @ada")
    services.post_comment(member, paper, "And more @ada", parent=top)
    assert Notification.objects.count() == 0


def test_a_mention_notifies_once_and_a_reply_that_also_mentions_is_one_notification(member, bob, cy, paper):
    top = services.post_comment(member, paper, "First")
    reply = services.post_comment(bob, paper, "@ada @cy look", parent=top)
    assert sorted(Notification.objects.values_list("recipient__username", "kind")) == [("ada", "reply"), ("cy", "mention")]
    assert set(Mention.objects.filter(comment=reply).values_list("notified_at", flat=True)) != {None}
    services.edit_comment(bob, reply, "@ada @cy look again")  # the same mentions: nothing new
    assert Notification.objects.count() == 2


def test_an_edit_that_adds_a_mention_notifies_the_new_member_only(member, bob, cy, paper):
    comment = services.post_comment(bob, paper, "Hello @ada")
    services.edit_comment(bob, comment, "Hello @ada and @cy")
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == ["ada", "cy"]


def test_inactive_members_and_unknown_kinds(member, bob, paper):
    bob.is_active = False
    bob.save()
    assert notify(bob, NotificationKind.CLAIM_DECISION, actor=member, paper=paper, text="accepted") is None
    with pytest.raises(ValueError):
        notify(member, "gossip")


def test_decisions_from_other_rooms_are_deduplicated_while_unread(member, bob, paper):
    first = notify(member, NotificationKind.CLAIM_DECISION, actor=bob, paper=paper, text="Your claim was accepted.")
    assert first is not None
    assert notify(member, NotificationKind.CLAIM_DECISION, actor=bob, paper=paper, text="Your claim was accepted.") is None
    notifications.mark_read(member)
    assert notify(member, NotificationKind.CLAIM_DECISION, actor=bob, paper=paper, text="Your claim was accepted.") is not None
    assert notify(member, NotificationKind.JOIN_DECISION, actor=bob, text="You joined DeepSeek.") is not None
    assert Notification.objects.filter(recipient=member).count() == 3


def test_preferences_site_off_mail_off_sends_nothing_and_site_off_mail_on_keeps_it_off_the_page(member, bob, paper):
    notifications.set_preferences(member, {"reply": (False, False), "mention": (False, True), "bogus": (True, True)})
    assert not NotificationPreference.objects.filter(kind="bogus").exists()
    top = services.post_comment(member, paper, "First")
    services.post_comment(bob, paper, "A reply", parent=top)
    assert Notification.objects.count() == 0
    services.post_comment(bob, paper, "@ada mention")
    n = Notification.objects.get()
    assert n.kind == "mention" and n.in_site is False
    assert unread_count(member) == 0


def test_the_header_count_is_cached_and_dropped_by_notify_and_mark_read(member, bob, paper, django_assert_num_queries):
    assert unread_count(member) == 0
    with django_assert_num_queries(0):
        assert unread_count(member) == 0  # from the cache
    notify(member, NotificationKind.JOIN_DECISION, actor=bob, text="You joined.")
    assert unread_count(member) == 1
    notifications.mark_read(member)
    assert unread_count(member) == 0


def _login(client, user):
    client.force_login(user)
    return client


def test_notifications_page_lists_marks_read_and_shows_the_count_in_the_header(client, member, bob, paper):
    top = services.post_comment(member, paper, "First")
    services.post_comment(bob, paper, "A reply", parent=top)
    _login(client, member)
    home = client.get("/").content.decode()
    assert 'data-testid="notification-count">1</span>' in home
    page = client.get("/notifications")
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    body = page.content.decode()
    assert "bob replied to your comment on “Attention again”" in body
    n = Notification.objects.get()
    response = client.post(f"/notifications/{n.pk}/read", headers={"HX-Request": "true"})
    assert response.status_code == 200
    fragment = response.content.decode()
    assert 'id="notification-link"' in fragment and 'hx-swap-oob="true"' in fragment  # the header count follows
    n.refresh_from_db()
    assert n.read_at is not None
    assert 'data-testid="notification-count"></span>' in client.get("/").content.decode()


def test_mark_all_read_without_javascript_redirects_back(client, member, bob, paper):
    notify(member, NotificationKind.JOIN_DECISION, actor=bob, text="one")
    notify(member, NotificationKind.CLAIM_DECISION, actor=bob, text="two")
    response = _login(client, member).post("/notifications/read")
    assert response.status_code == 302 and response["Location"] == "/notifications"
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_a_member_cannot_mark_anothers_notification_read(client, member, bob, paper):
    theirs = notify(bob, NotificationKind.JOIN_DECISION, actor=member, text="for bob")
    response = _login(client, member).post(f"/notifications/{theirs.pk}/read")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    client.post("/notifications/read")  # "all" means all of mine
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "for bob" not in client.get("/notifications").content.decode()


def test_the_pages_need_a_member_and_writes_need_post(client, member):
    for path in ["/notifications", "/settings/notifications", "/me/papers", "/settings/account/delete"]:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    _login(client, member)
    assert client.get("/notifications/read").status_code == 405


def test_the_settings_page_saves_preferences(client, member):
    _login(client, member)
    page = client.get("/settings/notifications").content.decode()
    assert 'name="reply-site" aria-label="replies to my comments on the site" checked' in page
    assert 'name="reply-mail" aria-label="replies to my comments by mail">' in page  # mail off by default
    assert "Mail needs a verified address" in page
    response = client.post("/settings/notifications", {"reply-site": "on", "reply-mail": "on", "mention-mail": "on"})
    assert response.status_code == 302
    prefs = notifications.preferences_of(member)
    assert (prefs["reply"].site, prefs["reply"].mail) == (True, True)
    assert (prefs["mention"].site, prefs["mention"].mail) == (False, True)
    assert (prefs["claim_decision"].site, prefs["claim_decision"].mail) == (False, False)
    # The settings pages link each other.
    for href in ['href="/digests/settings"', 'href="/settings/api-tokens"', 'href="/accounts/email/"', 'href="/settings/account/delete"']:
        assert href in page


def _run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.mark.django_db(transaction=True)  # the worker runs the queued task, as in production
def test_mail_goes_through_the_worker_to_a_verified_address_once(member, bob, paper, smtp_sink, settings):  # noqa: F811
    sink, port = smtp_sink
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL = "127.0.0.1", port, False, False
    settings.DAILYPAPERS_BASE_URL = "https://papers.example.org"
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    notifications.set_preferences(member, {"reply": (True, True)})
    top = services.post_comment(member, paper, "First")
    services.post_comment(bob, paper, "A **reply**", parent=top)
    assert DBTaskResult.objects.filter(task_path="dailypapers.community.tasks.send_notification_mail").count() == 1
    _run_worker()
    [message] = sink.messages
    assert message["To"] == "ada@example.org"
    assert message["Subject"].strip() == "[Daily Papers] bob replied to your comment on “Attention again”"
    assert message["Auto-Submitted"] == "auto-generated"
    text = message.get_body(("plain",)).get_content()
    assert f"https://papers.example.org/papers/{paper.pk}#comment-" in text and "A **reply**" in text
    assert "<strong>reply</strong>" in message.get_body(("html",)).get_content()
    n = Notification.objects.get()
    assert n.mailed_at is not None
    from dailypapers.community.tasks import send_notification_mail

    assert send_notification_mail.call(n.pk) == "already mailed"
    assert len(sink.messages) == 1


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_no_mail_to_an_unverified_address_or_when_mail_is_off(member, bob, paper, mailoutbox, django_capture_on_commit_callbacks):
    from dailypapers.community.tasks import send_notification_mail

    notifications.set_preferences(member, {"join_decision": (True, True)})
    queued = DBTaskResult.objects.filter(task_path="dailypapers.community.tasks.send_notification_mail")
    with django_capture_on_commit_callbacks(execute=True):
        n = notify(member, NotificationKind.JOIN_DECISION, actor=bob, text="You joined.")
    assert queued.count() == 1  # for the worker, after the commit
    assert send_notification_mail.call(n.pk) == "no verified address"
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    notifications.set_preferences(member, {"join_decision": (True, False)})  # changed their mind before the worker ran
    assert send_notification_mail.call(n.pk) == "not wanted"
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        notify(member, NotificationKind.CLAIM_DECISION, actor=bob, text="Accepted.")  # mail off by default
    assert queued.count() == 1


def test_a_reply_deleted_or_hidden_since_drops_out_of_the_list_and_the_count(client, member, bob, paper, admin_user):
    top = services.post_comment(member, paper, "First")
    reply = services.post_comment(bob, paper, "A reply", parent=top)
    other = services.post_comment(bob, paper, "Another reply", parent=top)
    assert unread_count(member) == 2
    services.delete_comment(bob, reply)
    assert unread_count(member) == 1
    services.hide_comment(admin_user, other)
    assert unread_count(member) == 0
    assert 'data-testid="no-notifications"' in _login(client, member).get("/notifications").content.decode()
    services.unhide_comment(admin_user, other)
    assert unread_count(member) == 1
