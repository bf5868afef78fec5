"""Deleting a member's account: what goes, and what stays without them.

Goes: the account (sign-in, e-mail addresses, API tokens, upvotes, mentions, notifications, collections,
preferences: everything owned through the user row). Stays, anonymous: their comments (signed
"[deleted member]", so the replies under them keep their context) and the papers they submitted (the
entries lose their "submitted by"). Counts are recomputed: their upvotes stop counting at once. The username is reserved: nobody signs
up with it again, so old @mentions of it never lead to a newcomer.
A digest subscription belongs to its address, not the account, and keeps its own unsubscribe link.
"""

from __future__ import annotations

from django.db import transaction

from dailypapers.accounts.models import ReservedUsername
from dailypapers.community.models import Comment
from dailypapers.lib.pagecache import bump_content_version
from dailypapers.papers.services import recount_member_upvotes


def delete_member(user) -> None:
    with transaction.atomic():
        voted = set(user.upvotes.values_list("paper_id", flat=True))
        # Explicit rather than left to SET_NULL: the same rows, and it says what happens to comments.
        Comment.objects.filter(author=user).update(author=None)
        ReservedUsername.reserve(user.username)  # old @mentions and links name it: nobody else gets it
        user.delete()
        recount_member_upvotes(voted)
        bump_content_version()  # cached paper pages show the comments' author names
