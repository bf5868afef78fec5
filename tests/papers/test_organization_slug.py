"""Organization slugs follow the one rule of ``papers.identifiers`` everywhere, the admin form included."""

import pytest

from dailypapers.papers.models import Organization

pytestmark = pytest.mark.django_db


def add_organization(admin_client, slug: str):
    return admin_client.post("/admin/papers/organization/add/", {"slug": slug, "name": f"Org {slug}", "url": "", "avatar_url": ""})


def test_admin_form_accepts_a_dotted_slug(admin_client):
    response = add_organization(admin_client, "deepseek.ai")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Organization.objects.filter(slug="deepseek.ai").exists()


@pytest.mark.parametrize("slug", ["-x", "a b", ".hidden", "a/b", "x" * 101])
def test_admin_form_refuses_slugs_outside_the_rule(admin_client, slug):
    response = add_organization(admin_client, slug)
    assert response.status_code == 200  # the form again, with its error
    assert "errorlist" in response.content.decode()
    assert not Organization.objects.filter(slug=slug).exists()


def test_the_dotted_organization_page_resolves(client):
    org = Organization.objects.create(slug="Qwen.team", name="Qwen")
    assert client.get(org.get_absolute_url()).status_code == 200
