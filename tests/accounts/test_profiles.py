"""Profiles: the page and its privacy, the settings, bios under the XSS corpus, avatars."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.text import slugify

from dailypapers.accounts import avatars, claims
from dailypapers.accounts.models import Profile
from dailypapers.community.services import render as render_comment
from dailypapers.papers.models import Authorship, Collection, CollectionItem, DailyEntry, Upvote
from tests.accounts.conftest import make_paper
from tests.accounts.images import jpeg, png, webp
from tests.adversarial.test_xss_corpus import PAYLOADS, assert_inert_html

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def active_member(member, other, papers, admin_user):
    """Ada: submitted the second paper, upvoted the first and third, claimed her author slot, has
    one public and one private collection."""
    DailyEntry.objects.filter(paper=papers[1]).update(submitted_by=member)
    for paper in (papers[0], papers[2]):
        Upvote.objects.create(user=member, paper=paper)
    claim = claims.claim_authorship(member, Authorship.objects.select_related("author").get(paper=papers[0], position=0))
    claims.approve(claim, by=admin_user)
    Collection.objects.create(owner=member, name="Reading list", is_public=True)
    Collection.objects.create(owner=member, name="Secret list", is_public=False)
    return member


def card(paper_id: str) -> str:
    return f'id="paper-{slugify(paper_id)}"'


def section(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.find("</section>", start)]


def test_the_profile_shows_authored_submitted_papers_and_public_collections(client, active_member):
    html = client.get("/u/ada").content.decode()
    authored = section(html, "profile-authored")
    assert all(card(pid) in authored for pid in ("2401.00001", "2401.00002", "2401.00003"))  # the identity's papers
    submitted = section(html, "profile-submitted")
    assert card("2401.00002") in submitted and card("2401.00001") not in submitted
    collections = section(html, "profile-collections")
    assert "Reading list" in collections and "Secret list" not in html
    assert "The Lab" in section(html, "profile-organizations")  # the organization of a paper she authored
    assert 'data-testid="author-participating"' in authored


def test_upvotes_are_private_unless_the_member_makes_them_public(client, active_member, other):
    assert 'data-testid="profile-upvoted"' not in client.get("/u/ada").content.decode()
    client.force_login(other)
    assert 'data-testid="profile-upvoted"' not in client.get("/u/ada").content.decode()

    client.force_login(active_member)  # the member sees her own, marked as only hers
    own = client.get("/u/ada").content.decode()
    assert "only you see these" in section(own, "profile-upvoted")
    assert card("2401.00003") in section(own, "profile-upvoted")

    Profile.objects.create(user=active_member, upvotes_public=True)
    client.force_login(other)
    upvoted = section(client.get("/u/ada").content.decode(), "profile-upvoted")
    assert card("2401.00001") in upvoted and card("2401.00003") in upvoted and card("2401.00002") not in upvoted


def test_unknown_and_banned_members_have_no_profile(client, member):
    assert client.get("/u/nobody").status_code == 404
    assert client.get("/u/ada").status_code == 200
    member.is_active = False
    member.save()
    assert client.get("/u/ada").status_code == 404
    assert client.get("/u/ada/avatar").status_code == 404


def test_mentions_in_comments_link_to_the_profile(client, member):
    html, mentioned = render_comment("thanks @ada!")
    assert 'href="/u/ada"' in html and [m.username for m in mentioned] == ["ada"]
    assert client.get("/u/ada").status_code == 200


def test_the_profile_page_runs_a_fixed_number_of_queries(client, active_member, today):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/u/ada").status_code == 200
        return len(queries)

    Profile.objects.create(user=active_member, upvotes_public=True)
    client.get("/u/ada")  # warm per-process caches
    few = count()
    for i in range(6):  # more papers in every section
        paper = make_paper(f"2402.{i:05d}", f"More {i}", ["Ada Lovelace", f"Co Author {i}"], day=today, submitted_by=active_member)
        Upvote.objects.create(user=active_member, paper=paper)
        Collection.objects.create(owner=active_member, name=f"List {i}", is_public=True)
    assert count() == few


# --------------------------------------------------------------------------------------------
# Settings


def test_the_member_edits_bio_website_and_upvote_privacy(client, member):
    assert client.get("/settings/profile").status_code == 302  # sign in first
    client.force_login(member)
    assert client.get("/settings/profile").status_code == 200
    edit = {"bio": "I compute *Bernoulli numbers*.", "website": "https://ada.example.org", "upvotes_public": "on"}
    response = client.post("/settings/profile", edit)
    assert response.status_code == 302
    profile = Profile.objects.get(user=member)
    assert (profile.website, profile.upvotes_public) == ("https://ada.example.org", True)
    html = Client().get("/u/ada").content.decode()
    assert "<em>Bernoulli numbers</em>" in html and 'href="https://ada.example.org"' in html


@pytest.mark.parametrize("website", ["javascript:alert(1)", "data:text/html,x", "ftp://example.org", "https://exa mple.org", "//example.org"])
def test_only_http_websites_are_accepted(client, member, website):
    client.force_login(member)
    response = client.post("/settings/profile", {"bio": "", "website": website})
    assert response.status_code == 400
    assert not Profile.objects.filter(user=member).exists()


def test_bios_are_at_most_1000_characters(client, member):
    client.force_login(member)
    assert client.post("/settings/profile", {"bio": "x" * 1001, "website": ""}).status_code == 400
    assert client.post("/settings/profile", {"bio": "x" * 1000, "website": ""}).status_code == 302


def test_profile_edits_are_rate_limited(client, member, settings):
    settings.DAILYPAPERS_CLAIM_RATE_PER_MINUTE = 2
    client.force_login(member)
    for _ in range(2):
        assert client.post("/settings/profile", {"bio": "hi", "website": ""}).status_code == 302
    response = client.post("/settings/profile", {"bio": "hi again", "website": ""})
    assert response.status_code == 429 and response["Retry-After"]
    assert Profile.objects.get(user=member).bio == "hi"


def test_settings_need_a_csrf_token(member):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    assert strict.post("/settings/profile", {"bio": "forged"}).status_code == 403
    assert not Profile.objects.filter(user=member).exists()


def test_bio_payloads_render_inert(client, member, settings):
    """The XSS corpus as bios (and as a website the form refuses): nothing runs, the text is there."""
    settings.DAILYPAPERS_CLAIM_RATE_PER_MINUTE = 1000
    client.force_login(member)
    for payload in PAYLOADS:
        assert client.post("/settings/profile", {"bio": "", "website": payload[:500]}).status_code == 400
        assert client.post("/settings/profile", {"bio": f"Bio {payload}", "website": ""}).status_code == 302
        profile = Profile.objects.get(user=member)
        assert profile.bio == f"Bio {payload}" and profile.website == ""
        html = Client().get("/u/ada").content.decode()
        assert_inert_html(html, payload)
        bio = section(html, "profile-bio") if 'data-testid="profile-bio"' in html else ""
        assert "<script" not in bio and "<img" not in bio and "<svg" not in bio and "<iframe" not in bio and "<style" not in bio
    client.post("/settings/profile", {"bio": PAYLOADS[0], "website": ""})
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in Client().get("/u/ada").content.decode()  # kept as text


# --------------------------------------------------------------------------------------------
# Avatars


def upload(data: bytes, name: str = "me.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize(("image", "content_type"), [(png(), "image/png"), (jpeg(), "image/jpeg"), (webp(), "image/webp")])
def test_an_uploaded_avatar_is_stored_and_served_with_its_validated_type(client, member, image, content_type):
    client.force_login(member)
    response = client.post("/settings/profile", {"bio": "", "website": "", "avatar": upload(image, content_type="text/html")})
    assert response.status_code == 302
    profile = Profile.objects.get(user=member)
    assert profile.avatar_content_type == content_type and default_storage.exists(profile.avatar_name)
    served = Client().get("/u/ada/avatar")
    assert served["Content-Type"] == content_type  # what it was validated as, not what the browser said
    assert served["X-Content-Type-Options"] == "nosniff" and "sandbox" in served["Content-Security-Policy"]
    assert b"GPS" not in served.content and b"a comment" not in served.content  # metadata dropped
    assert '<img class="avatar" src="/u/ada/avatar?v=' in Client().get("/u/ada").content.decode()


def test_replacing_and_removing_an_avatar_deletes_the_old_file(client, member):
    client.force_login(member)
    client.post("/settings/profile", {"bio": "", "website": "", "avatar": upload(png())})
    first = Profile.objects.get(user=member).avatar_name
    client.post("/settings/profile", {"bio": "", "website": "", "avatar": upload(png(3, 3))})
    second = Profile.objects.get(user=member).avatar_name
    assert first != second and not default_storage.exists(first) and default_storage.exists(second)
    client.post("/settings/profile", {"bio": "", "website": "", "remove_avatar": "on"})
    assert Profile.objects.get(user=member).avatar_name == "" and not default_storage.exists(second)
    assert Client().get("/u/ada/avatar")["Content-Type"] == "image/svg+xml"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (png(extra_chunks=((b"tEXt", b"Comment\x00<html><script>alert(1)</script></html>"),)), "markup"),
        (png(trailer=b"<html><body><script>alert(1)</script></body></html>"), "not a valid PNG"),
        (b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>", "not a valid PNG"),
        (png()[:-5], "not a valid PNG"),
        (png(5000, 1), "pixels"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "SVG"),
        (b"GIF89a" + b"\x00" * 20, "PNG, JPEG or WebP"),
        (jpeg()[:-2], "not a valid JPEG"),
        (webp()[:-1], "not a valid WebP"),
        (b"", "empty"),
    ],
)
def test_uploads_that_are_not_plain_pictures_are_refused(client, member, data, reason):
    with pytest.raises(avatars.AvatarRejected, match=reason):
        avatars.validated_avatar(data)
    client.force_login(member)
    response = client.post("/settings/profile", {"bio": "", "website": "", "avatar": upload(data or b"x" * 0, name="x.png")})
    assert response.status_code == 400
    assert not Profile.objects.filter(user=member).exclude(avatar_name="").exists()


def test_oversize_uploads_are_refused(client, member):
    big = png(extra_chunks=((b"zzzz", b"\x00" * (avatars.MAX_AVATAR_BYTES + 10)),))
    with pytest.raises(avatars.AvatarRejected, match="larger than"):
        avatars.validated_avatar(big)
    client.force_login(member)
    assert client.post("/settings/profile", {"bio": "", "website": "", "avatar": upload(big)}).status_code == 400
    assert not default_storage.exists("avatars") and not Profile.objects.exclude(avatar_name="").exists()


def test_the_generated_avatar_is_an_escaped_identicon(client, django_user_model):
    svg = avatars.identicon_svg('<script>alert(1)</script>"x')
    assert "<script" not in svg and "&lt;script&gt;" in svg and "&quot;x" in svg
    assert avatars.identicon_svg("ada") == avatars.identicon_svg("ada") != avatars.identicon_svg("bob")
    django_user_model.objects.create_user(username="ada", password="correct-horse-9")
    served = client.get("/u/ada/avatar")
    assert served["Content-Type"] == "image/svg+xml" and served.content.startswith(b"<svg") and "sandbox" in served["Content-Security-Policy"]
    assert "<svg" in client.get("/u/ada").content.decode()  # drawn inline on the profile, no request


def test_a_missing_avatar_file_falls_back_to_the_generated_one(client, member):
    Profile.objects.create(user=member, avatar_name="avatars/1/gone.png", avatar_content_type="image/png")
    served = client.get("/u/ada/avatar")
    assert served.status_code == 200 and served["Content-Type"] == "image/svg+xml"


def test_collection_payloads_on_the_profile_render_inert(client, member):
    for i, payload in enumerate(PAYLOADS):
        collection = Collection.objects.create(owner=member, name=f"List {i} {payload}", description=f"Desc {payload}", is_public=True)
        CollectionItem.objects.create(collection=collection, paper=make_paper(f"2403.{i:05d}", f"T {payload}", [f"A {payload}"]))
    html = client.get("/u/ada").content.decode()
    assert_inert_html(html, "/u/ada")
    assert "List 0 &lt;script&gt;" in html
