"""Subscribing from any page, double opt-in, leaving without login, member settings."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dailypapers.digests import tokens
from dailypapers.digests.models import Subscription

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()


def test_every_page_has_the_subscribe_box(client, sample_papers):
    for url in ["/", "/papers/trending", "/about/ranking"]:
        html = client.get(url).content.decode()
        assert 'data-testid="digest-subscribe"' in html and 'name="email"' in html and 'name="website"' in html


def test_double_opt_in_confirms_only_on_the_confirm_button(client, smtp):
    response = client.post("/digests/subscribe", {"email": "Ada@Example.ORG", "frequency": "weekly"})
    assert response.status_code == 200 and "Check your inbox" in response.content.decode()
    sub = Subscription.objects.get()
    assert sub.email == "Ada@example.org" and sub.frequency == "weekly" and sub.status == "unconfirmed"
    [message] = smtp.messages  # sent through the real SMTP server
    confirm_path = re.search(r"http://127\.0\.0\.1:8000(/digests/confirm/\S+)", message.get_body(("plain",)).get_content())[1]

    assert client.get(confirm_path).status_code == 200  # a link scanner's GET confirms nothing
    sub.refresh_from_db()
    assert sub.confirmed_at is None
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post(confirm_path).status_code == 200
    sub.refresh_from_db()
    assert sub.status == "active"


def test_confirmation_links_expire_and_forged_ones_fail(client, settings):
    sub = Subscription.objects.create(email="ada@example.org")
    token = tokens.confirm_token(sub)
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = client.post(f"/digests/confirm/{forged}")
    assert response.status_code == 400 and "not valid" in response.content.decode()
    settings.DAILYPAPERS_DIGEST_CONFIRM_MAX_AGE_HOURS = -1
    response = client.post(f"/digests/confirm/{token}")
    assert response.status_code == 400 and "expired" in response.content.decode()
    sub.refresh_from_db()
    assert sub.confirmed_at is None


@pytest.mark.parametrize("email", ["", "not-an-email", "ada@example.org\r\nBcc: victim@example.org",
                                   "ada@example.org\nSubject: hi", "a" * 250 + "@example.org"])
def test_bad_addresses_and_header_injection_are_refused(client, email):
    response = client.post("/digests/subscribe", {"email": email})
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert Subscription.objects.count() == 0 and mail.outbox == []


def test_honeypot_and_rate_limit(client, settings):
    response = client.post("/digests/subscribe", {"email": "bot@example.org", "website": "http://spam"})
    assert response.status_code == 200 and Subscription.objects.count() == 0 and mail.outbox == []
    settings.DAILYPAPERS_DIGEST_SUBSCRIBE_PER_MINUTE = 3
    codes = [client.post("/digests/subscribe", {"email": f"p{i}@example.org"}).status_code for i in range(4)]
    assert codes[:2] == [200, 200] and codes[-1] == 429  # the honeypot post counted too
    assert Subscription.objects.count() == 2


def test_subscribing_twice_does_not_flood_the_inbox_or_leak_status(client):
    for _ in range(3):
        assert client.post("/digests/subscribe", {"email": "ada@example.org"}).status_code == 200
    assert Subscription.objects.count() == 1 and len(mail.outbox) == 1


def test_one_click_unsubscribe_works_without_cookies_or_csrf_token(sample_papers):
    sub = Subscription.objects.create(email="ada@example.org", confirmed_at=timezone.now())
    client = Client(enforce_csrf_checks=True)
    url = reverse("digests:unsubscribe", args=[tokens.unsubscribe_token(sub)])
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and not client.cookies
    sub.refresh_from_db()
    assert sub.status == "unsubscribed"
    bad = client.post(url[:-2] + "xx", {"List-Unsubscribe": "One-Click"})
    assert bad.status_code == 400


def test_unsubscribe_link_asks_first_and_revoked_links_fail(client):
    sub = Subscription.objects.create(email="ada@example.org", confirmed_at=timezone.now())
    url = reverse("digests:unsubscribe", args=[tokens.unsubscribe_token(sub)])
    page = client.get(url)
    assert page.status_code == 200 and "ada@example.org" in page.content.decode()
    sub.refresh_from_db()
    assert sub.status == "active"
    assert client.post(url).status_code == 200
    sub.refresh_from_db()
    assert sub.status == "unsubscribed"
    sub.token_key = "rotated"
    sub.save()
    assert client.post(url).status_code == 400


def test_manage_link_changes_preferences_without_login():
    sub = Subscription.objects.create(email="ada@example.org", confirmed_at=timezone.now())
    client = Client(enforce_csrf_checks=True)
    url = reverse("digests:manage", args=[tokens.manage_token(sub)])
    ok = client.post(url, {"frequency": "weekly", "categories": "cs.CL, cs.LG cs.CL", "query": "  retrieval  models "})
    assert ok.status_code == 200
    sub.refresh_from_db()
    assert (sub.frequency, sub.categories, sub.query) == ("weekly", ["cs.CL", "cs.LG"], "retrieval models")
    bad = client.post(url, {"frequency": "hourly", "categories": "", "query": ""})
    assert bad.status_code == 400 and "daily or weekly" in bad.content.decode()
    injected = client.post(url, {"frequency": "daily", "categories": "cs.CL\r\nBcc: x", "query": ""})
    assert injected.status_code == 400
    sub.refresh_from_db()
    assert sub.frequency == "weekly"


def test_member_settings_subscribe_the_account_address(client, member):
    client.force_login(member)
    assert client.get("/digests/settings").status_code == 200
    form = {"active": "on", "frequency": "daily", "categories": "cs.LG", "query": "", "personal": "on"}
    assert client.post("/digests/settings", form).status_code == 302
    sub = Subscription.objects.get(user=member)
    assert sub.email == member.email and sub.personal and sub.status == "unconfirmed"
    assert len(mail.outbox) == 1 and "/digests/confirm/" in mail.outbox[0].body

    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    client.post("/digests/settings", {**form, "active": ""})
    sub.refresh_from_db()
    assert sub.status == "unsubscribed"
    client.post("/digests/settings", form)
    sub.refresh_from_db()
    assert sub.status == "active", "a verified account address needs no second confirmation"
    assert client.post("/digests/settings", {**form, "categories": "<script>"}).status_code == 400


def test_member_settings_need_login(client):
    response = client.get("/digests/settings")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_unverified_account_neither_sees_nor_steers_the_address_owners_subscription(client, django_user_model):
    """Outside tester's finding: signing up with someone else's address (verification is optional by
    default) took over that person's anonymous subscription."""
    from allauth.account.models import EmailAddress

    victim = Subscription.objects.create(email="victim@example.org", confirmed_at=timezone.now(), categories=["cs.CL"])
    intruder = django_user_model.objects.create_user("intruder", "Victim@example.org", "pw-123456789")
    client.force_login(intruder)
    page = client.get("/digests/settings").content.decode()
    assert "Sent to" not in page and 'data-testid="status"' not in page
    form = {"active": "on", "frequency": "weekly", "categories": "math.AG", "query": "", "personal": "on"}
    response = client.post("/digests/settings", form, follow=True)
    assert "Almost done: confirm" in response.content.decode()  # what any new subscriber is told
    victim.refresh_from_db()
    assert victim.user is None and victim.frequency == "daily" and victim.categories == ["cs.CL"] and victim.is_receiving
    assert client.post("/digests/settings", {**form, "active": ""}).status_code == 302
    victim.refresh_from_db()
    assert victim.is_receiving and victim.user is None
    assert [m.to for m in mail.outbox] == [["victim@example.org"]]  # the owner is told, not the intruder
    # Once the address is verified, it is the member's own: the subscription joins the account.
    EmailAddress.objects.create(user=intruder, email=intruder.email, verified=True, primary=True)
    assert "victim@example.org" in client.get("/digests/settings").content.decode()
