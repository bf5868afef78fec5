"""One client-address rule for the site's limits and allauth's: behind DAILYPAPERS_TRUSTED_PROXIES
allauth's login and signup limits count the client, not the proxy (before, eleven failed logins from
one client locked every login on the site, and 20 signups an hour filled the whole site's quota)."""

import pytest
from allauth.core.internal.ratelimit import get_ip
from django.test import RequestFactory

from dailypapers.lib.ratelimit import client_address

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"


@pytest.mark.parametrize("remote, forwarded", [
    ("10.0.0.2", "203.0.113.1"),
    ("10.0.0.2", "1.1.1.1, 203.0.113.9"),  # the client prepended a lie
    ("198.51.100.7", "203.0.113.1"),  # not a trusted proxy: its header is ignored
    ("10.0.0.2", None),
])
def test_allauths_address_is_the_sites(settings, remote, forwarded):
    settings.DAILYPAPERS_TRUSTED_PROXIES = ["10.0.0.0/8"]
    meta = {"REMOTE_ADDR": remote, **({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})}
    request = RequestFactory().get("/accounts/login/", **meta)
    assert get_ip(request) == client_address(request)


def via_proxy(client_ip: str) -> dict:
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": client_ip}


def test_failed_logins_of_one_client_do_not_lock_the_others_out(client, member, settings):
    settings.DAILYPAPERS_TRUSTED_PROXIES = ["10.0.0.0/8"]
    for attempt in range(12):  # past "10/m/ip", over several accounts (each under its own 5/5m/key)
        client.post("/accounts/login/", {"login": f"nobody{attempt % 3}", "password": "wrong"}, **via_proxy("203.0.113.66"))
    locked = client.post("/accounts/login/", {"login": "ada", "password": "correct-horse-9"}, **via_proxy("203.0.113.66"))
    assert locked.status_code == 429  # the client that failed is limited
    ok = client.post("/accounts/login/", {"login": "ada", "password": "correct-horse-9"}, **via_proxy("203.0.113.7"))
    assert ok.status_code == 302, ok.content[:300]  # another client behind the same proxy is not


def test_signups_are_counted_per_client_behind_the_proxy(client, settings, django_user_model):
    settings.DAILYPAPERS_TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/h/ip"}

    def signup(name: str, ip: str):
        client.logout()
        data = {"email": f"{name}@example.org", "username": name, "password1": "correct-horse-9", "password2": "correct-horse-9"}
        return client.post("/accounts/signup/", data, **via_proxy(ip))

    assert [signup(f"user{i}", f"203.0.113.{i}").status_code for i in range(4)] == [302] * 4
    assert [signup(f"same{i}", "203.0.113.50").status_code for i in range(3)][-1] == 429
    assert django_user_model.objects.filter(username__startswith="user").count() == 4


def test_a_deleted_members_username_is_never_given_again(client, django_user_model):
    """Old comments' @mentions link to /u/<name>: a newcomer taking the name would inherit them."""
    from dailypapers.community import services
    from dailypapers.community.deletion import delete_member
    from dailypapers.papers.models import Paper

    paper = Paper.objects.create(id="2401.00001", title="T", abstract="A.")
    bob = django_user_model.objects.create_user(username="Bob", email="bob@example.org", password="correct-horse-9")
    ada = django_user_model.objects.create_user(username="ada", email="ada@example.org", password="correct-horse-9")
    comment = services.post_comment(ada, paper, "Thanks @Bob")
    assert 'href="/u/Bob"' in comment.html
    delete_member(bob)
    for name in ("Bob", "bob", "BOB"):
        data = {"email": f"x{name}@example.org", "username": name, "password1": "correct-horse-9", "password2": "correct-horse-9"}
        response = client.post("/accounts/signup/", data)
        assert response.status_code == 200 and b"deleted account" in response.content, name
    assert not django_user_model.objects.filter(username__iexact="bob").exists()
