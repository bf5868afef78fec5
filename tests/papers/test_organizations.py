"""Organizations on the web: membership requests decided by the organization's admins, the
verified badge (site admins only), logos, submitting on an organization's behalf, the filter's names."""

import datetime as dt
import types

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from dailypapers.lib import ratelimit
from dailypapers.papers import organizations
from dailypapers.papers.models import DailyEntry, OrganizationMembership
from tests.accounts.images import png
from tests.papers.factories import make_org, make_paper

PNG = png()  # a real (tiny) PNG: logos pass the one structural check of uploaded pictures
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def people(django_user_model):
    def make(name):
        return django_user_model.objects.create_user(username=name, email=f"{name}@example.org", password="pw-12345678")

    return {n: make(n) for n in ("boss", "carol", "dave", "mallory")}


@pytest.fixture
def org(people):
    org = make_org()
    # The first admin is made by site admins (the admin's inline); here directly.
    OrganizationMembership.objects.create(organization=org, user=people["boss"], role="admin", status="approved")
    return org


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_join_request_is_approved_by_the_organization_admin_only(org, people):
    carol = client_for(people["carol"])
    assert carol.post(f"/organizations/{org.slug}/join").status_code == 302
    request = OrganizationMembership.objects.get(user=people["carol"])
    assert request.status == "requested"
    assert "waiting for the organization" in carol.get(org.get_absolute_url()).content.decode()

    # another member (not an admin) and the requester herself cannot decide it
    for outsider in ("mallory", "carol"):
        response = client_for(people[outsider]).post(f"/organizations/{org.slug}/requests/{request.pk}", {"decision": "approve"})
        assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == "requested"

    boss = client_for(people["boss"])
    page = boss.get(org.get_absolute_url()).content.decode()
    assert 'data-testid="pending-requests"' in page and "carol" in page
    response = boss.post(f"/organizations/{org.slug}/requests/{request.pk}", {"decision": "approve"}, **HTMX)
    assert response.status_code == 200 and 'id="org-membership"' in response.content.decode()
    request.refresh_from_db()
    assert request.status == "approved" and request.decided_by == people["boss"] and request.decided_at is not None
    public_page = Client().get(org.get_absolute_url()).content.decode()
    assert "carol" in public_page.split('data-testid="member-list"', 1)[1].split("</ul>", 1)[0]  # the members list
    assert "{#" not in public_page and "#}" not in public_page
    # decided once: deciding again is refused, not flipped
    assert boss.post(f"/organizations/{org.slug}/requests/{request.pk}", {"decision": "reject"}).status_code == 409
    request.refresh_from_db()
    assert request.status == "approved"


@pytest.mark.django_db
def test_an_admin_of_one_organization_cannot_decide_another_ones_requests_by_id(org, people):
    other = make_org("other-lab", "Other Lab")
    OrganizationMembership.objects.create(organization=other, user=people["mallory"], role="admin", status="approved")
    request = organizations.request_to_join(people["dave"], org)
    mallory = client_for(people["mallory"])
    # through her own organization's URL and through the right one: both refused
    assert mallory.post(f"/organizations/{other.slug}/requests/{request.pk}", {"decision": "approve"}).status_code == 403
    assert mallory.post(f"/organizations/{org.slug}/requests/{request.pk}", {"decision": "approve"}).status_code == 403
    with pytest.raises(organizations.NotOrganizationAdmin):
        organizations.decide(people["mallory"], request.pk, True)
    request.refresh_from_db()
    assert request.status == "requested"


@pytest.mark.django_db
def test_rejected_member_can_ask_again_and_members_can_leave(org, people):
    request = organizations.request_to_join(people["dave"], org)
    organizations.decide(people["boss"], request.pk, False)
    request.refresh_from_db()
    assert request.status == "rejected"
    assert organizations.request_to_join(people["dave"], org).status == "requested"
    organizations.decide(people["boss"], request.pk, True)
    dave = client_for(people["dave"])
    assert dave.post(f"/organizations/{org.slug}/leave").status_code == 302
    assert not OrganizationMembership.objects.filter(user=people["dave"]).exists()
    # the only admin cannot leave: nobody would be left to decide requests
    response = client_for(people["boss"]).post(f"/organizations/{org.slug}/leave")
    assert response.status_code == 409
    assert OrganizationMembership.objects.filter(user=people["boss"], status="approved").exists()


@pytest.mark.django_db
def test_anonymous_readers_are_sent_to_log_in(org):
    response = Client().post(f"/organizations/{org.slug}/join")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert "Log in</a> to ask to join" in Client().get(org.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_membership_writes_are_rate_limited(org, people, settings, monkeypatch):
    settings.DAILYPAPERS_WRITE_RATE_PER_MINUTE = 2
    # one fixed minute: a test crossing a minute boundary would start a fresh count
    monkeypatch.setattr(ratelimit, "time", types.SimpleNamespace(time=lambda: 60 * 1_000_000 + 5.0))
    carol = client_for(people["carol"])
    statuses = [carol.post(f"/organizations/{org.slug}/{action}").status_code for action in ("join", "leave", "join")]
    assert statuses == [302, 302, 429]


@pytest.mark.django_db
def test_verified_badge_and_description_are_shown_and_sanitized(org):
    org.description = "We build **models**. <script>alert(1)</script> [x](javascript:alert(1))"
    org.save()
    page = Client().get(org.get_absolute_url()).content.decode()
    assert 'data-testid="verified-badge"' not in page
    assert "<strong>models</strong>" in page and "<script>alert(1)" not in page and 'href="javascript:' not in page
    org.verified = True
    org.save()
    assert 'data-testid="verified-badge"' in Client().get(org.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_verified_is_set_only_by_site_admins_in_the_admin(org, people, django_user_model):
    # no member-facing route writes it: an org admin posting it anywhere changes nothing
    boss = client_for(people["boss"])
    for url in (org.get_absolute_url(), f"/organizations/{org.slug}/join", f"/organizations/{org.slug}/leave"):
        boss.post(url, {"verified": "1", "verified_badge": "on"})
    org.refresh_from_db()
    assert org.verified is False
    assert boss.get(f"/admin/papers/organization/{org.pk}/change/").status_code == 302  # not staff: to the admin login

    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw-12345678")
    site_admin = client_for(admin)
    form = {"slug": org.slug, "name": org.name, "url": "", "avatar_url": "", "description": "", "verified": "on",
            "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"}
    response = site_admin.post(f"/admin/papers/organization/{org.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    org.refresh_from_db()
    assert org.verified is True


@pytest.mark.django_db
def test_logo_upload_accepts_images_by_their_bytes_and_is_served_with_that_type(org, django_user_model):
    admin = client_for(django_user_model.objects.create_superuser("root", "root@example.org", "pw-12345678"))
    org.avatar_url = "https://example.org/a.png"
    org.save()
    base = {"slug": org.slug, "name": org.name, "url": "", "avatar_url": "https://example.org/a.png", "description": "",
            "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"}
    # an SVG (script inside), even named .png, and an oversized file are refused
    refused = (("logo.png", SVG), ("logo.svg", SVG), ("big.png", PNG + b"\x00" * (1024 * 1024)), ("fake.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64))
    for name, data in refused:
        response = admin.post(f"/admin/papers/organization/{org.pk}/change/", {**base, "logo": SimpleUploadedFile(name, data, "image/png")})
        assert response.status_code == 200 and "errorlist" in response.content.decode(), name
    org.refresh_from_db()
    assert not org.logo
    assert org.logo_url == "https://example.org/a.png"  # the fallback

    response = admin.post(f"/admin/papers/organization/{org.pk}/change/", {**base, "logo": SimpleUploadedFile("x.svg", PNG, "image/svg+xml")})
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.logo and org.logo.name.endswith(".png")
    served = Client().get(org.logo_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png" and served.content == PNG
    assert f'src="{org.logo_url}"' in Client().get(org.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_a_stored_file_that_is_not_an_accepted_image_is_never_served(org):
    from django.core.files.base import ContentFile

    org.logo.save("evil.svg", ContentFile(SVG))  # as if written past the validator
    assert Client().get(f"/organizations/{org.slug}/logo").status_code == 404


@pytest.mark.django_db
def test_without_any_logo_the_page_shows_a_placeholder(org):
    page = Client().get(org.get_absolute_url()).content.decode()
    assert 'data-testid="org-logo-placeholder"' in page and ">AA<" in page


@pytest.mark.django_db
def test_submitting_on_an_organizations_behalf_needs_an_approved_membership(org, people):
    today = timezone.localdate()
    paper = make_paper(published_at=timezone.now() - dt.timedelta(days=1))
    other = make_paper(published_at=timezone.now() - dt.timedelta(days=1))
    carol = client_for(people["carol"])
    organizations.request_to_join(people["carol"], org)  # only requested
    assert 'data-testid="submit-organization"' not in carol.get("/papers/submit").content.decode()
    response = carol.post("/papers/submit", {"paper": paper.pk, "organization": org.slug})
    assert response.status_code == 400 and "approved you" in response.content.decode()
    assert not DailyEntry.objects.exists()

    organizations.decide(people["boss"], OrganizationMembership.objects.get(user=people["carol"]).pk, True)
    form = carol.get("/papers/submit").content.decode()
    assert 'data-testid="submit-organization"' in form and f'value="{org.slug}"' in form
    assert carol.post("/papers/submit", {"paper": paper.pk, "organization": org.slug}).status_code == 302
    entry = DailyEntry.objects.get(paper=paper)
    assert entry.organization == org and entry.date == today and entry.submitted_by == people["carol"]
    # without an organization: the member's own submission, as before
    assert carol.post("/papers/submit", {"paper": other.pk, "organization": ""}).status_code == 302
    assert DailyEntry.objects.get(paper=other).organization is None


@pytest.mark.django_db
def test_the_api_submits_on_behalf_by_the_same_rule(org, people):
    from dailypapers.accounts.models import ApiToken

    paper = make_paper(published_at=timezone.now() - dt.timedelta(days=1))
    _, raw = ApiToken.issue(people["dave"], "t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    body = {"paper": paper.pk, "organization": org.slug}
    refused = Client().post("/api/v1/submissions", body, content_type="application/json", **auth)
    assert refused.status_code == 400 and "approved you" in refused.json()["detail"]
    OrganizationMembership.objects.create(organization=org, user=people["dave"], status="approved")
    assert Client().post("/api/v1/submissions", body, content_type="application/json", **auth).status_code == 201
    assert DailyEntry.objects.get(paper=paper).organization == org


@pytest.mark.django_db
def test_day_filter_offers_organization_names_with_entries_in_range(client):
    today = timezone.localdate()
    acme, beta = make_org("acme-ai", "Acme AI"), make_org("beta.lab", "Beta Lab")
    make_org("idle-org", "Idle Org")
    make_paper(day=today, org=acme, title="Acme's own")
    old = make_paper(day=today - dt.timedelta(days=40))
    old.organization = make_org("old-org", "Old Org")
    old.save()
    paper = make_paper(day=today, title="Submitted for Beta")
    DailyEntry.objects.filter(paper=paper).update(organization=beta)
    page = client.get(f"/papers/date/{today:%Y-%m-%d}").content.decode()
    names = page.split('data-testid="organization-names"', 1)[1].split("</datalist>", 1)[0]
    assert '<option value="acme-ai">Acme AI</option>' in names and '<option value="beta.lab">Beta Lab</option>' in names
    assert "Idle Org" not in names and "Old Org" not in names
    assert 'list="organization-names"' in page
    # the slug the datalist submits filters the page
    filtered = client.get(f"/papers/date/{today:%Y-%m-%d}?organization=beta.lab").content.decode()
    assert paper.title in filtered and "Acme&#x27;s own" not in filtered and "1 paper matching" in filtered
    assert 'name="organization"' in client.get("/papers/trending").content.decode()


def test_logo_bytes_decide_the_type():
    from dailypapers.papers.logos import image_type

    assert image_type(PNG[:12]) == "image/png"
    assert image_type(b"\xff\xd8\xff\xe0" + b"\x00" * 8) == "image/jpeg"
    assert image_type(b"RIFF\x00\x00\x00\x00WEBP") == "image/webp"
    assert image_type(SVG[:12]) is None and image_type(b"GIF89a......") is None


@pytest.mark.django_db
def test_site_admins_make_the_first_organization_admin_in_the_admin(people, django_user_model):
    org = make_org("fresh-lab", "Fresh Lab")
    site_admin = client_for(django_user_model.objects.create_superuser("root", "root@example.org", "pw-12345678"))
    form = {"organization": org.pk, "user": people["carol"].pk, "role": "admin", "status": "approved"}
    response = site_admin.post("/admin/papers/organizationmembership/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert org.is_admin(people["carol"])
    request = organizations.request_to_join(people["dave"], org)
    assert organizations.decide(people["carol"], request.pk, True).status == "approved"
    # a member cannot make themselves admin: the admin site is for staff only
    assert client_for(people["dave"]).post("/admin/papers/organizationmembership/add/", {**form, "user": people["dave"].pk}).status_code == 302
    assert not org.is_admin(people["dave"])


@pytest.mark.django_db
def test_the_submit_box_lists_exactly_the_organizations_a_member_may_submit_for(people):
    # submit_choices is plain SQL for speed; approved_organizations is the rule: they must agree.
    zeta, alpha, asked, refused = (make_org(slug=s, name=n) for s, n in
                                   (("zeta", "Zeta Lab"), ("alpha", "Alpha Lab"), ("asked", "Asked"), ("refused", "Refused")))
    carol = people["carol"]
    for org, status in ((zeta, "approved"), (alpha, "approved"), (asked, "requested"), (refused, "rejected")):
        OrganizationMembership.objects.create(organization=org, user=carol, status=status)
    OrganizationMembership.objects.create(organization=asked, user=people["dave"], status="approved")
    expected = [(o.slug, o.name) for o in organizations.approved_organizations(carol)]
    assert [(c.slug, c.name) for c in organizations.submit_choices(carol)] == expected == [("alpha", "Alpha Lab"), ("zeta", "Zeta Lab")]
    assert organizations.submit_choices(types.SimpleNamespace(is_authenticated=False)) == []
