"""Organization membership: members ask to join, the organization's admins decide, members leave.

The first admin of an organization is made by a site admin (the admin's membership pages); from
then on its approved admins decide requests. Only approved members may submit papers on the
organization's behalf (``can_submit_for``). Every decision goes through ``_record_decision``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from dailypapers.papers.models import Organization, OrganizationMembership

Role = OrganizationMembership.Role
Status = OrganizationMembership.Status


class MembershipError(ValueError):
    """A membership change that cannot be made now; the message is shown to the member."""


class NotOrganizationAdmin(PermissionError):
    """The acting member is not an approved admin of the organization (views answer 403)."""


def membership_of(user, organization: Organization) -> OrganizationMembership | None:
    if not user.is_authenticated:
        return None
    return OrganizationMembership.objects.filter(organization=organization, user=user).first()


def request_to_join(user, organization: Organization) -> OrganizationMembership:
    """Ask to join (again, after a rejection); a member already in, or already asking, stays as is."""
    with transaction.atomic():
        membership, created = OrganizationMembership.objects.get_or_create(organization=organization, user=user)
        if not created and membership.status == Status.REJECTED:
            membership.status, membership.decided_at, membership.decided_by = Status.REQUESTED, None, None
            membership.requested_at = timezone.now()
            membership.save(update_fields=["status", "decided_at", "decided_by", "requested_at"])
    # notify: a new request (created, or renewed after a rejection) could tell the organization's admins.
    return membership


def leave(user, organization: Organization) -> bool:
    """Leave, or withdraw a request. The last approved admin cannot leave (the organization would
    have nobody to decide requests); False when the member had no membership."""
    with transaction.atomic():
        membership = OrganizationMembership.objects.select_for_update().filter(organization=organization, user=user).first()
        if membership is None:
            return False
        if membership.role == Role.ADMIN and membership.status == Status.APPROVED:
            admins = OrganizationMembership.objects.approved().filter(organization=organization, role=Role.ADMIN)
            if admins.count() <= 1:
                raise MembershipError("You are this organization's only admin: make another member admin first (ask the site admins).")
        membership.delete()
    return True


def decide(acting_user, membership_id: int, approve: bool) -> OrganizationMembership:
    """An organization admin approves or rejects the request ``membership_id``.

    Raises NotOrganizationAdmin unless ``acting_user`` is an approved admin of *that request's*
    organization (so a changed id in the form reaches nothing), MembershipError when the
    membership is not a pending request."""
    with transaction.atomic():
        membership = OrganizationMembership.objects.select_for_update().select_related("organization", "user").filter(pk=membership_id).first()
        if membership is None or not membership.organization.is_admin(acting_user):
            raise NotOrganizationAdmin("Only this organization's admins can decide its requests.")
        if membership.status != Status.REQUESTED:
            raise MembershipError(f"{membership.user} has no pending request.")
        _record_decision(membership, Status.APPROVED if approve else Status.REJECTED, acting_user)
    return membership


def _record_decision(membership: OrganizationMembership, status: str, decided_by) -> None:
    """The one place a request's outcome is written (web decisions and any later caller)."""
    membership.status, membership.decided_at, membership.decided_by = status, timezone.now(), decided_by
    membership.save(update_fields=["status", "decided_at", "decided_by"])
    # The member is notified by community.decisions (a post_save receiver: papers sits below community).


def approved_organizations(user):
    """The organizations ``user`` may submit papers for: approved memberships."""
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user, memberships__status=Status.APPROVED).order_by("name")


@dataclass(frozen=True)
class OrganizationChoice:
    slug: str
    name: str


def submit_choices(user) -> list[OrganizationChoice]:
    """``approved_organizations(user)`` as the submit box lists them (slug and name, by name).
    Plain SQL: the box is part of today's page for every member, rendered on each request, and
    building the ORM query cost more than running it (0.9 of the box's 1.1 ms, 100k-paper site)."""
    if not user.is_authenticated:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT org.slug, org.name FROM {Organization._meta.db_table} org"
            f" JOIN {OrganizationMembership._meta.db_table} membership ON membership.organization_id = org.id"
            " WHERE membership.user_id = %s AND membership.status = %s ORDER BY org.name",
            [user.pk, Status.APPROVED],
        )
        return [OrganizationChoice(slug, name) for slug, name in cursor.fetchall()]


def can_submit_for(user, organization: Organization) -> bool:
    return approved_organizations(user).filter(pk=organization.pk).exists()


@dataclass
class MembershipOverview:
    """What the organization page shows about members, for one reader."""

    members: list[OrganizationMembership]
    mine: OrganizationMembership | None = None
    is_admin: bool = False
    pending: list[OrganizationMembership] = field(default_factory=list)


def membership_overview(organization: Organization, user) -> MembershipOverview:
    members = list(organization.memberships.approved().select_related("user").order_by("-role", "user__username"))
    mine = membership_of(user, organization)
    is_admin = mine is not None and mine.status == Status.APPROVED and mine.role == Role.ADMIN
    pending = list(organization.memberships.requested().select_related("user").order_by("requested_at")) if is_admin else []
    return MembershipOverview(members=members, mine=mine, is_admin=is_admin, pending=pending)
