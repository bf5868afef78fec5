"""Sign up, log in and log out through django-allauth, with CSRF enforced."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

pytestmark = pytest.mark.django_db


def form_token(client, url):
    client.get(url)
    return client.cookies["csrftoken"].value


def test_sign_up_log_out_log_in():
    client = Client(enforce_csrf_checks=True)
    token = form_token(client, "/accounts/signup/")
    response = client.post("/accounts/signup/", {
        "csrfmiddlewaretoken": token, "email": "grace@example.org", "username": "grace",
        "password1": "a-Long-passphrase-42", "password2": "a-Long-passphrase-42",
    })
    assert response.status_code == 302
    user = get_user_model().objects.get(username="grace")
    assert user.password.startswith(("md5$", "pbkdf2_", "argon2", "bcrypt"))  # hashed, never plain
    assert "grace" in client.get("/").content.decode()
    # Verification is offered: a confirmation mail goes out.
    assert any("grace@example.org" in m.to for m in mail.outbox)

    token = client.cookies["csrftoken"].value
    client.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert 'data-testid="username"' not in client.get("/").content.decode()

    token = form_token(client, "/accounts/login/")
    response = client.post("/accounts/login/", {"csrfmiddlewaretoken": token, "login": "grace@example.org",
                                                "password": "a-Long-passphrase-42"})
    assert response.status_code == 302
    assert 'data-testid="username">grace<' in client.get("/").content.decode()


def test_weak_password_and_duplicate_email_are_refused(member):
    client = Client()
    response = client.post("/accounts/signup/", {"email": "ada@example.org", "username": "ada2",
                                                 "password1": "12345678", "password2": "12345678"})
    assert response.status_code == 200  # the form again, with errors
    html = response.content.decode()
    assert "already" in html.lower() and "too common" in html.lower()
    assert not get_user_model().objects.filter(username="ada2").exists()


def test_login_without_csrf_is_refused(member):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "ada", "password": "correct-horse-9"})
    assert response.status_code == 403
