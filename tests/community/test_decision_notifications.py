"""Decisions made in the rooms below notify the member: an admin's decision on an authorship claim.

Runs once ``accounts.AuthorClaim`` exists (helper A's work; skipped on a branch without it)."""

import pytest
from django.apps import apps

from dailypapers.community.models import Notification, NotificationKind
from dailypapers.papers.models import Author, Authorship, Paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def claimable(db):
    if "authorclaim" not in {m._meta.model_name for m in apps.get_app_config("accounts").get_models()}:
        pytest.skip("accounts.AuthorClaim is not in this tree yet")
    paper = Paper.objects.create(id="2401.00001", title="Attention again", abstract="We attend.")
    author = Author.objects.create(name="Ada Lovelace")
    return Authorship.objects.create(paper=paper, author=author, position=0, name="Ada Lovelace")


def test_an_admins_decision_on_a_claim_notifies_the_claimant(claimable, member, django_user_model):
    from dailypapers.accounts import claims

    admin = django_user_model.objects.create_superuser(username="root", email="root@example.org", password="correct-horse-9")
    claim = claims.claim_authorship(member, claimable)
    assert not Notification.objects.exists()  # making a claim is not news to its maker
    claims.approve(claim, by=admin, note="checked the affiliation")
    n = Notification.objects.get()
    assert (n.recipient, n.kind, n.actor, n.paper_id) == (member, NotificationKind.CLAIM_DECISION, admin, "2401.00001")
    assert n.text == "approved (Ada Lovelace): checked the affiliation"
    claims.reject(claim, by=admin, note="not the same person")
    assert Notification.objects.filter(recipient=member).count() == 2
