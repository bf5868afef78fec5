"""Decisions made in the rooms below notify the member: an authorship claim, a request to join an organization."""

import pytest

from dailypapers.community.models import Notification, NotificationKind
from dailypapers.papers.models import Author, Authorship, Paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def claimable(db):
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


def test_an_organization_admins_decision_on_a_join_request_notifies_the_member(member, django_user_model):
    from dailypapers.papers import organizations
    from dailypapers.papers.models import Organization, OrganizationMembership

    org = Organization.objects.create(slug="deepmind", name="DeepMind")
    boss = django_user_model.objects.create_user(username="boss", email="boss@example.org", password="correct-horse-9")
    OrganizationMembership.objects.create(organization=org, user=boss, role="admin", status="approved")
    request = organizations.request_to_join(member, org)
    assert not Notification.objects.exists()  # asking is not news to the one who asks
    organizations.decide(boss, request.pk, approve=False)
    n = Notification.objects.get()
    assert (n.recipient, n.kind, n.actor) == (member, NotificationKind.JOIN_DECISION, boss)
    assert n.text == "Rejected (DeepMind)"
    organizations.request_to_join(member, org)  # renewed: status back to requested, no decider, no notification
    assert Notification.objects.count() == 1
    organizations.decide(boss, request.pk, approve=True)
    texts = Notification.objects.filter(recipient=member).order_by("created_at").values_list("text", flat=True)
    assert list(texts) == ["Rejected (DeepMind)", "Approved (DeepMind)"]
