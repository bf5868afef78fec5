"""Author claims: the rules of accounts.claims, the paper page's control, the admin's actions,
the card's "author participating", and the APIs' status/user."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dailypapers.accounts import claims
from dailypapers.accounts.models import ApiToken, AuthorClaim
from dailypapers.lib.pagecache import bump_content_version
from dailypapers.lib.ratelimit import RateLimited
from dailypapers.papers.models import Author, Authorship

pytestmark = pytest.mark.django_db


def slot(paper, position):
    return Authorship.objects.select_related("author").get(paper=paper, position=position)


def test_a_claim_waits_for_an_admin_and_approval_links_the_author_identity(papers, member, admin_user):
    claim = claims.claim_authorship(member, slot(papers[0], 0))
    assert (claim.status, claim.name, claim.position) == ("pending", "Ada Lovelace", 0)
    assert Author.objects.get(name="Ada Lovelace").user is None

    claims.approve(claim, by=admin_user, note="checked the affiliation")
    claim.refresh_from_db()
    assert (claim.status, claim.decided_by, claim.note) == ("approved", admin_user, "checked the affiliation")
    assert claim.decided_at is not None
    ada = Author.objects.get(name="Ada Lovelace")
    assert ada.user == member
    # The identity is hers: every paper of that author is claimed, none of the co-authors are.
    assert set(ada.authorships.values_list("paper_id", flat=True)) == {"2401.00001", "2401.00002", "2401.00003"}
    assert Author.objects.get(name="Charles Babbage").user is None


def test_rejecting_leaves_the_author_unlinked_and_unlinks_an_approved_claim(papers, member, admin_user):
    claim = claims.claim_authorship(member, slot(papers[0], 0))
    claims.reject(claim, by=admin_user, note="not the same person")
    assert AuthorClaim.objects.get(pk=claim.pk).status == "rejected"
    assert Author.objects.get(name="Ada Lovelace").user is None

    second = claims.claim_authorship(member, slot(papers[1], 1))
    claims.approve(second, by=admin_user)
    assert Author.objects.get(name="Ada Lovelace").user == member
    claims.reject(second, by=admin_user)  # the admin changes their mind
    assert Author.objects.get(name="Ada Lovelace").user is None


def test_a_member_claims_a_paper_once_and_a_held_slot_is_not_claimed_again(papers, member, other, admin_user):
    claims.claim_authorship(member, slot(papers[0], 0))
    with pytest.raises(claims.ClaimError, match="already claimed an author of this paper"):
        claims.claim_authorship(member, slot(papers[0], 0))
    with pytest.raises(claims.ClaimError, match="already claimed an author of this paper"):
        claims.claim_authorship(member, slot(papers[0], 1))  # another slot of the same paper
    with pytest.raises(claims.ClaimError, match="Another member has claimed this author"):
        claims.claim_authorship(other, slot(papers[0], 0))
    assert AuthorClaim.objects.count() == 1


def test_an_identity_linked_to_another_member_cannot_be_claimed(papers, member, other, admin_user):
    claims.approve(claims.claim_authorship(member, slot(papers[0], 0)), by=admin_user)
    with pytest.raises(claims.ClaimError, match="Another member has claimed this author"):
        claims.claim_authorship(other, slot(papers[1], 1))  # Ada on another paper: the same identity


def test_a_claim_on_an_identity_already_linked_to_the_member_is_approved_at_once(papers, member, admin_user):
    claims.approve(claims.claim_authorship(member, slot(papers[0], 0)), by=admin_user)
    again = claims.claim_authorship(member, slot(papers[1], 1))
    assert again.status == "approved" and again.decided_by is None and "automatically" in again.note
    other_author = claims.claim_authorship(member, slot(papers[2], 0))
    assert other_author.status == "approved"


def test_approval_links_the_claimed_identity_even_after_the_byline_moved(papers, member, admin_user):
    claim = claims.claim_authorship(member, slot(papers[0], 0))  # Ada, first
    # A re-import rewrites the byline: Babbage first, Ada second.
    Authorship.objects.filter(paper=papers[0]).delete()
    for position, name in enumerate(["Charles Babbage", "Ada Lovelace"]):
        Authorship.objects.create(paper=papers[0], author=Author.objects.get(name=name), position=position, name=name)
    claims.approve(claim, by=admin_user)
    assert Author.objects.get(name="Ada Lovelace").user == member
    assert Author.objects.get(name="Charles Babbage").user is None


def test_a_claim_whose_author_left_the_byline_cannot_be_approved(papers, member, admin_user):
    claim = claims.claim_authorship(member, slot(papers[0], 0))
    Authorship.objects.filter(paper=papers[0], position=0).delete()
    with pytest.raises(claims.ClaimError, match="no longer has the claimed author"):
        claims.approve(claim, by=admin_user)
    claims.reject(claim, by=admin_user)
    assert AuthorClaim.objects.get(pk=claim.pk).status == "rejected"


def test_nobody_decides_their_own_claim(papers, admin_user):
    claim = claims.claim_authorship(admin_user, slot(papers[0], 0))
    with pytest.raises(claims.ClaimError, match="another admin"):
        claims.approve(claim, by=admin_user)
    assert Author.objects.get(name="Ada Lovelace").user is None


def test_claims_are_rate_limited(papers, member, settings, django_user_model):
    settings.DAILYPAPERS_CLAIM_RATE_PER_MINUTE = 2
    claims.claim_authorship(member, slot(papers[0], 0))
    with pytest.raises(claims.ClaimError):
        claims.claim_authorship(member, slot(papers[0], 1))  # counted, though refused
    with pytest.raises(RateLimited):
        claims.claim_authorship(member, slot(papers[1], 1))


# --------------------------------------------------------------------------------------------
# The paper page and the cards


def test_the_paper_page_offers_members_a_claim_and_shows_it_pending(client, papers, member):
    anonymous = Client().get("/papers/2401.00001").content.decode()
    assert 'data-testid="claim-button"' not in anonymous

    client.force_login(member)
    page = client.get("/papers/2401.00001").content.decode()
    assert page.count('data-testid="claim-button"') == 2 and "I am Charles Babbage" in page
    response = client.post("/papers/2401.00001/authors/0/claim", {"next": "/papers/2401.00001"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "claim pending" in response.content.decode()
    page = client.get("/papers/2401.00001").content.decode()
    assert "claim pending" in page and 'data-testid="claim-button"' not in page

    response = client.post("/papers/2401.00001/authors/1/claim")  # without htmx: back, with the reason
    assert response.status_code == 302
    follow = client.get(response["Location"]).content.decode()
    assert "already claimed an author of this paper" in follow


def test_claiming_needs_a_signed_in_member_a_post_and_a_csrf_token(papers, member):
    anonymous = Client()
    response = anonymous.post("/papers/2401.00001/authors/0/claim")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert anonymous.get("/papers/2401.00001/authors/0/claim").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    assert strict.post("/papers/2401.00001/authors/0/claim").status_code == 403
    assert Client().post("/papers/2401.00001/authors/9/claim").status_code in (302, 404)
    assert not AuthorClaim.objects.exists()


def test_a_slot_that_does_not_exist_is_404(client, papers, member):
    client.force_login(member)
    assert client.post("/papers/2401.00001/authors/9/claim").status_code == 404
    assert client.post("/papers/2499.99999/authors/0/claim").status_code == 404


def test_the_web_claim_answers_429_past_the_rate(client, papers, member, settings):
    settings.DAILYPAPERS_CLAIM_RATE_PER_MINUTE = 1
    client.force_login(member)
    client.post("/papers/2401.00001/authors/0/claim")
    response = client.post("/papers/2401.00002/authors/1/claim")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert AuthorClaim.objects.count() == 1


def test_approved_claims_link_names_to_the_profile_and_mark_cards_author_participating(client, papers, member, admin_user, today):
    before = client.get(f"/papers/date/{today.isoformat()}").content.decode()
    assert "author participating" not in before
    claims.approve(claims.claim_authorship(member, slot(papers[0], 0)), by=admin_user)

    page = client.get("/papers/2401.00001").content.decode()
    assert '<a class="claimed-author" href="/u/ada"' in page
    assert page.count('data-testid="claimed-author"') == 1  # Babbage is nobody's
    day = client.get(f"/papers/date/{today.isoformat()}").content.decode()
    assert day.count('data-testid="author-participating"') == 2  # both of the day's papers have Ada


def test_a_banned_members_claimed_names_are_not_links(client, papers, member, admin_user):
    claims.approve(claims.claim_authorship(member, slot(papers[0], 0)), by=admin_user)
    member.is_active = False
    member.save()
    assert 'data-testid="claimed-author"' not in client.get("/papers/2401.00001").content.decode()


def test_the_card_badge_costs_no_query_per_card(client, papers, member, admin_user, today):
    url = f"/papers/date/{today.isoformat()}"
    client.get(url)
    bump_content_version()
    with CaptureQueriesContext(connection) as unclaimed:
        client.get(url)
    claims.approve(claims.claim_authorship(member, slot(papers[0], 0)), by=admin_user)
    bump_content_version()
    with CaptureQueriesContext(connection) as claimed:
        body = client.get(url).content.decode()
    assert "author participating" in body
    assert len(claimed) == len(unclaimed)


# --------------------------------------------------------------------------------------------
# The admin


def test_the_admin_approves_and_rejects_with_actions(client, papers, member, other, admin_user):
    pending = claims.claim_authorship(member, slot(papers[0], 0))
    doomed = claims.claim_authorship(other, slot(papers[1], 0))
    client.force_login(admin_user)
    assert "Ada Lovelace" in client.get("/admin/accounts/authorclaim/").content.decode()
    client.post("/admin/accounts/authorclaim/", {"action": "approve", "_selected_action": [pending.pk]})
    client.post("/admin/accounts/authorclaim/", {"action": "reject", "_selected_action": [doomed.pk]})
    assert AuthorClaim.objects.get(pk=pending.pk).status == "approved"
    assert AuthorClaim.objects.get(pk=doomed.pk).decided_by == admin_user
    assert Author.objects.get(name="Ada Lovelace").user == member
    assert Author.objects.get(name="Charles Babbage").user is None


def test_a_member_cannot_approve_their_own_claim_through_the_admin_url(client, papers, member):
    claim = claims.claim_authorship(member, slot(papers[0], 0))
    client.force_login(member)
    response = client.post("/admin/accounts/authorclaim/", {"action": "approve", "_selected_action": [claim.pk]})
    assert response.status_code in (302, 403)
    response = client.post(f"/admin/accounts/authorclaim/{claim.pk}/change/", {"note": "ok", "status": "approved"})
    assert response.status_code in (302, 403)
    assert AuthorClaim.objects.get(pk=claim.pk).status == "pending"
    assert Author.objects.get(name="Ada Lovelace").user is None


def test_an_admin_cannot_approve_their_own_claim_in_the_admin(client, papers, admin_user):
    claim = claims.claim_authorship(admin_user, slot(papers[0], 0))
    client.force_login(admin_user)
    response = client.post("/admin/accounts/authorclaim/", {"action": "approve", "_selected_action": [claim.pk]}, follow=True)
    assert "another admin" in response.content.decode()
    assert AuthorClaim.objects.get(pk=claim.pk).status == "pending"


def test_the_admin_form_cannot_change_the_status(client, papers, member, admin_user):
    claim = claims.claim_authorship(member, slot(papers[0], 0))
    client.force_login(admin_user)
    client.post(f"/admin/accounts/authorclaim/{claim.pk}/change/", {"note": "looked at it", "status": "approved"})
    claim.refresh_from_db()
    assert (claim.status, claim.note) == ("pending", "looked at it")
    assert Author.objects.get(name="Ada Lovelace").user is None


# --------------------------------------------------------------------------------------------
# APIs


def bearer(user) -> dict:
    _, raw = ApiToken.issue(user, "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_the_apis_report_status_and_user_of_approved_claims(client, papers, member, admin_user):
    claims.approve(claims.claim_authorship(member, slot(papers[0], 0)), by=admin_user)
    hf = client.get("/api/papers/2401.00001").json()
    ada, babbage = hf["authors"]
    assert ada["status"] == "claimed_verified" and ada["user"]["user"] == "ada"
    assert ada["user"]["avatarUrl"] == "http://testserver/u/ada/avatar"  # absolute, as the Hub serves it
    assert "status" not in babbage and "user" not in babbage
    daily = client.get("/api/daily_papers").json()
    assert all(item["isAuthorParticipating"] for item in daily)

    native = client.get("/api/v1/papers/2401.00001").json()
    assert native["author_details"] == [
        {"position": 0, "name": "Ada Lovelace", "author_id": ada_id(), "status": "claimed_verified", "user": "ada"},
        {"position": 1, "name": "Charles Babbage", "author_id": Author.objects.get(name="Charles Babbage").pk, "status": None, "user": None},
    ]


def ada_id() -> int:
    return Author.objects.get(name="Ada Lovelace").pk


def test_native_claim_endpoint(client, papers, member, other):
    url = "/api/v1/papers/2401.00001/authors/0/claim"
    assert client.post(url).status_code == 401
    response = client.post(url, **bearer(member))
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending" and response.json()["name"] == "Ada Lovelace"
    assert client.post(url, **bearer(member)).status_code == 409
    assert client.post(url, **bearer(other)).status_code == 409
    assert client.post("/api/v1/papers/2401.00001/authors/7/claim", **bearer(other)).status_code == 404
    assert AuthorClaim.objects.get().user == member


def test_hf_claim_endpoint_claims_for_the_token_holder_only(client, papers, member, other):
    url = "/api/settings/papers/claim"
    body = {"paperId": "2401.00001", "claimAuthorId": str(ada_id())}
    post = lambda payload, user=None: client.post(url, json.dumps(payload), content_type="application/json", **(bearer(user) if user else {}))  # noqa: E731
    assert post(body).status_code == 401
    # Changing the target id does not let one member claim for another.
    response = post({**body, "targetUserId": str(other.pk)}, member)
    assert response.status_code == 403
    assert post({**body, "targetUserId": "bob"}, member).status_code == 403
    assert not AuthorClaim.objects.exists()
    response = post({**body, "targetUserId": str(member.pk)}, member)
    assert response.status_code == 200 and response.json() == {"paperId": "2401.00001", "claimAuthorId": str(ada_id()), "status": "pending"}
    assert AuthorClaim.objects.get().user == member
    assert post(body, member).status_code == 409
    assert post({"paperId": "2401.00001", "claimAuthorId": "999999"}, other).status_code == 404
    assert post({"paperId": "2499.00001", "claimAuthorId": "1"}, other).status_code == 404
    assert post({"paperId": 5}, other).status_code == 400
    assert client.post(url, "not json", content_type="application/json", **bearer(other)).status_code == 400


def test_api_claims_answer_429_past_the_rate(client, papers, member, settings):
    settings.DAILYPAPERS_CLAIM_RATE_PER_MINUTE = 1
    headers = bearer(member)
    assert client.post("/api/v1/papers/2401.00001/authors/0/claim", **headers).status_code == 201
    response = client.post("/api/v1/papers/2401.00002/authors/1/claim", **headers)
    assert response.status_code == 429 and response["Retry-After"]
    response = client.post(
        "/api/settings/papers/claim", json.dumps({"paperId": "2401.00002", "claimAuthorId": str(ada_id())}),
        content_type="application/json", **headers,
    )
    assert response.status_code == 429 and "error" in response.json()
