"""What the newcomer's pass found in the site's words (issue 29), each as the class it belongs to."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from dailypapers.community import services
from dailypapers.papers.models import Organization, OrganizationMembership
from tests.papers.factories import make_paper

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-9"


def _visible(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# -- account pages: the header's words, sentence case, the site's name in the title ---------------

ACCOUNT_PAGES = ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
MEMBER_ACCOUNT_PAGES = ["/accounts/email/", "/accounts/password/change/", "/accounts/logout/"]


def _headings(html: str) -> list[str]:
    parts = re.findall(r"<title>(.*?)</title>", html, re.S) + re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    parts += re.findall(r"<button[^>]*>(.*?)</button>", html, re.S)
    return [_visible(p) for p in parts]


def _title_case_words(text: str) -> list[str]:
    """Words after the first that start with a capital, but for the site's name and acronyms."""
    words = text.replace("· Daily Papers", "").split()
    return [w for w in words[1:] if w[:1].isupper() and not w.isupper() and w not in {"Daily", "Papers"}]


@pytest.mark.parametrize("path", ACCOUNT_PAGES + MEMBER_ACCOUNT_PAGES)
def test_account_pages_use_the_headers_words_in_sentence_case(client, member, path):
    if path in MEMBER_ACCOUNT_PAGES:
        client.force_login(member)
    html = client.get(path).content.decode()
    title = _visible(re.search(r"<title>(.*?)</title>", html, re.S).group(1))
    assert title.endswith("· Daily Papers") and len(title) > len("· Daily Papers")
    for text in _headings(html):
        assert not re.search(r"\bSign ?[Ii]n\b|\bSignup\b|\bSign Out\b", text), (path, text)
        assert _title_case_words(text) == [], (path, text)


def test_the_login_and_signup_pages_say_log_in_and_sign_up(client):
    assert _visible(re.search(r"<h1[^>]*>(.*?)</h1>", client.get("/accounts/login/").content.decode(), re.S).group(1)) == "Log in"
    assert _visible(re.search(r"<h1[^>]*>(.*?)</h1>", client.get("/accounts/signup/").content.decode(), re.S).group(1)) == "Sign up"


# -- "a"/"an" before a word the template fills in ------------------------------------------------

def test_no_template_puts_a_fixed_article_before_a_variable():
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "src" / "dailypapers"
    found = [f"{p.relative_to(src)}: {m.group(0)}" for p in src.rglob("*.html")
             for m in re.finditer(r"\b(?:[Aa]n?) \{\{[^}]+\}\}", p.read_text())]
    assert found == []


def test_an_organization_admin_is_told_they_are_an_admin(client, member):
    org = Organization.objects.create(slug="acme-ai", name="Acme AI")
    OrganizationMembership.objects.create(organization=org, user=member, role="admin", status="approved")
    client.force_login(member)
    text = _visible(client.get("/organizations/acme-ai").content.decode())
    assert "You are an admin of Acme AI" in text and "You are a admin" not in text


# -- the admin: members by name, one section per name --------------------------------------------

def test_the_admin_names_members_by_username_and_no_two_sections_share_a_name(member):
    root = get_user_model().objects.create_superuser(username="root", email="root@example.org", password=PASSWORD)
    paper = make_paper(id="2401.00007", title="Reported")
    comment = services.post_comment(member, paper, "A rude remark")
    services.report_comment(root, comment, "rude")
    admin = Client()
    admin.force_login(root)
    reports = _visible(admin.get("/admin/community/report/").content.decode())
    assert "ada on 2401.00007" in reports and f"{member.pk} on 2401.00007" not in reports
    index = admin.get("/admin/").content.decode()
    sections = re.findall(r'<caption>\s*<a[^>]*>([^<]+)</a>', index)
    assert sections and len(sections) == len(set(sections)), sections


def test_no_models_str_names_a_member_by_row_id():
    """Every ``__str__`` of the site's models says a member's name, never ``user_id``-like numbers."""
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "src" / "dailypapers"
    found = []
    for path in src.rglob("models.py"):
        for body in re.findall(r"def __str__\(self\)[^:]*:\n((?:        .*\n)+)", path.read_text()):
            found += [f"{path.relative_to(src)}: {m}" for m in
                      re.findall(r"self\.(?:user|author|owner|member|recipient|moderator|reporter|submitted_by|actor)_id", body)]
    assert found == []


# -- a banned member can still delete their account ----------------------------------------------

def test_a_banned_member_who_cannot_log_in_can_delete_their_account(client, member):
    root = get_user_model().objects.create_superuser(username="root", email="root@example.org", password=PASSWORD)
    services.set_banned(root, member, True)
    response = client.post("/accounts/login/", {"login": "ada", "password": PASSWORD}, follow=True)
    page = response.content.decode()
    assert "delete-banned-account" in page, _visible(page)[:300]
    link = re.search(r'href="([^"]+)" data-testid="delete-banned-account"', page).group(1).replace("&amp;", "&")
    assert client.get(link).status_code == 200
    # A wrong password deletes nothing; an active member is sent to log in instead.
    assert client.post(link, {"login": "ada", "password": "wrong", "confirm": "delete"}).status_code == 400
    assert client.post(link, {"login": "root", "password": PASSWORD, "confirm": "delete"}).status_code == 400
    assert get_user_model().objects.filter(username__in=["ada", "root"]).count() == 2
    response = client.post(link, {"login": "ada", "password": PASSWORD, "confirm": "delete"})
    assert response.status_code == 302
    assert not get_user_model().objects.filter(username="ada").exists()
    # Without the flag, an anonymous reader is sent to log in first, as before.
    assert client.get("/settings/account/delete").status_code == 302
