"""Profile links, avatars and author claims in templates: ``{% load profiles %}``.

Other rooms' templates load this library (the paper page's byline, the cards' "author
participating"); a template load is not an import, so the room order holds."""

from __future__ import annotations

from django import template
from django.contrib.auth import get_user_model
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from dailypapers.accounts import claims
from dailypapers.accounts.avatars import identicon_svg
from dailypapers.accounts.profiles import avatar_path

register = template.Library()


@register.filter
def author_participating(paper) -> bool:
    """Whether an author of the paper is a member who claimed it (an approved claim links the
    author identity). Reads the prefetched ``authorships`` with their authors: no query per card."""
    return any(a.author.user_id for a in paper.authorships.all())


@register.simple_tag
def avatar(member, profile=None, size: int = 80):
    """The member's picture: the uploaded one as an image, else the generated identicon inline."""
    if profile is not None and profile.avatar_name:
        return format_html('<img class="avatar" src="{}?v={}" width="{}" height="{}" alt="">', avatar_path(member.username),
                           int(profile.updated_at.timestamp()), int(size), int(size))
    return mark_safe(identicon_svg(member.username, size))  # noqa: S308 - identicon_svg escapes the one outside text


@register.inclusion_tag("accounts/_author_byline.html", takes_context=True)
def author_byline(context, paper, authorships):
    """A paper's authors, each name linked to the profile of the member who claimed it; for a
    signed-in member, the control to claim one (or the state of their claim). Two queries at most."""
    authorships = list(authorships)
    request = context.get("request")
    user = getattr(request, "user", None)
    user_ids = {a.author.user_id for a in authorships if a.author.user_id}
    usernames = dict(get_user_model().objects.filter(pk__in=user_ids, is_active=True).values_list("pk", "username")) if user_ids else {}
    own = claims.claims_of(user, paper) if user is not None else {}
    rows = [(a, usernames.get(a.author.user_id)) for a in authorships]
    can_claim = bool(user is not None and user.is_authenticated and not own)
    return {
        "paper": paper,
        "rows": rows,
        "claim": next(iter(own.values()), None),
        "can_claim": can_claim,
        "member": user,
        "csrf_token": context.get("csrf_token"),
        "return_path": context.get("return_path"),
    }
