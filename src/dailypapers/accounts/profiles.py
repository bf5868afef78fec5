"""Profiles: what ``/u/<username>`` shows, and the settings that change it."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Count
from django.urls import reverse

from dailypapers.accounts.avatars import MAX_AVATAR_BYTES, storage_name, validated_avatar
from dailypapers.accounts.models import Profile
from dailypapers.papers.models import Collection, DailyEntry, Paper, Upvote

# Papers per section; the profile is a summary, not an archive.
SECTION_SIZE = 50


def profile_path(username: str) -> str:
    """The profile's URL path (what @mentions in comments link to)."""
    return reverse("accounts:profile", args=[username])


def avatar_path(username: str) -> str:
    """The member's avatar (uploaded or generated) as an image URL path, e.g. for the APIs."""
    return f"/u/{quote(username, safe='')}/avatar"


def visible_member(username: str):
    """The active member with this username, or None (unknown and banned members have no profile)."""
    return get_user_model().objects.filter(username=username, is_active=True).first()


@dataclass
class ProfilePage:
    """Everything the profile page shows, fetched with a fixed number of queries."""

    member: object
    profile: Profile
    submitted: list[DailyEntry]
    claimed: list[Paper]
    upvoted: list[Paper] | None  # None: hidden from this viewer
    collections: list[Collection]
    organizations: list = field(default_factory=list)

def profile_page(member, viewer) -> ProfilePage:
    profile = Profile.objects.of(member)
    submitted = list(DailyEntry.objects.filter(submitted_by=member).for_listing().order_by("-submitted_at", "paper_id")[:SECTION_SIZE])
    claimed = list(
        Paper.objects.filter(authorships__author__user=member).distinct().for_listing().order_by("-published_at", "id")[:SECTION_SIZE]
    )
    upvoted = None
    if profile.upvotes_public or (viewer.is_authenticated and viewer.pk == member.pk):
        ids = list(Upvote.objects.filter(user=member).order_by("-created_at", "-pk").values_list("paper_id", flat=True)[:SECTION_SIZE])
        by_id = {p.pk: p for p in Paper.objects.filter(pk__in=ids).for_listing()}
        upvoted = [by_id[i] for i in ids if i in by_id]
    collections = list(Collection.objects.filter(owner=member, is_public=True).annotate(num_papers=Count("items")).order_by("-updated_at", "-pk"))
    # Until memberships exist: the organizations of the papers they authored and submitted.
    organizations = {}
    for paper, entry in [(p, p.entry) for p in claimed] + [(e.paper, e) for e in submitted]:
        org = paper.shown_organization(entry)
        if org is not None:
            organizations.setdefault(org.pk, org)
    return ProfilePage(member, profile, submitted, claimed, upvoted, collections, sorted(organizations.values(), key=lambda o: o.name.lower()))


def save_avatar(member, upload) -> Profile:
    """Validate an uploaded file (``avatars.validated_avatar``) and make it the member's avatar;
    raises AvatarRejected with the reason."""
    data = upload.read(MAX_AVATAR_BYTES + 1)
    cleaned, content_type = validated_avatar(data)
    profile = Profile.objects.of(member)
    old = profile.avatar_name
    profile.avatar_name = default_storage.save(storage_name(member.pk, content_type), ContentFile(cleaned))
    profile.avatar_content_type = content_type
    profile.save()
    if old:
        default_storage.delete(old)
    return profile


def remove_avatar(member) -> Profile:
    profile = Profile.objects.of(member)
    if profile.avatar_name:
        default_storage.delete(profile.avatar_name)
        profile.avatar_name = profile.avatar_content_type = ""
        profile.save()
    return profile


