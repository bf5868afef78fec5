"""Every login path has the same brute-force limit: the admin's form reads no password, and a
locked-out login answers 429."""

import pytest

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.org", PASSWORD)


def test_admin_login_sends_to_the_site_login_and_back(client, admin_user):
    response = client.get("/admin/login/?next=/admin/papers/paper/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/admin/papers/paper/")
    # A password posted to the admin's own form is never checked.
    response = client.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" not in client.session
    response = client.post("/accounts/login/?next=/admin/", {"login": "root", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/login/?next=/admin/papers/paper/")["Location"] == "/admin/papers/paper/"


def test_admin_login_refuses_members_without_staff_rights(client, member):
    client.force_login(member)
    assert client.get("/admin/login/").status_code == 403


def test_brute_force_on_the_admin_account_locks_it_with_429(client, admin_user):
    statuses = [client.post("/accounts/login/", {"login": "root", "password": f"wrong {i}"}).status_code for i in range(6)]
    assert statuses[:5] == [200] * 5  # wrong password: the form again
    assert statuses[5] == 429
    locked = client.post("/accounts/login/", {"login": "root", "password": PASSWORD})
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session
