"""Author claims: a member says which author of a paper they are; an admin decides.

The rules:

- A claim names a slot: a paper and a byline position. One member holds (or waits for) a slot at a
  time, and a member claims on a paper at most once (a rejected claim is not retried: the admin's
  note says why).
- Approval links the slot's ``Author`` identity to the member (``Author.user``): every paper of
  that identity then shows as theirs, the author's name links to their profile, the daily cards say
  "author participating" and the APIs report ``status: "claimed_verified"`` with the member.
- Who approves: an admin, in the admin (AuthorClaim list, approve/reject actions), never the
  claimant. arXiv publishes no author e-mail addresses, so a verified address proves nothing about
  a byline; the one automatic rule is that a claim on an identity already linked to the member
  (by an earlier approved claim) is approved at once: the identity is theirs.
- A slot whose identity belongs to another member cannot be claimed (ClaimError): the dispute is
  for the admins, who can change ``Author.user`` in the admin.
- Claims are rate-limited per member (DAILYPAPERS_CLAIM_RATE_PER_MINUTE, 429 with Retry-After).
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from dailypapers.accounts.models import AuthorClaim
from dailypapers.lib.ratelimit import count_per_minute
from dailypapers.papers.models import Authorship, Paper

AUTOMATIC_NOTE = "approved automatically: this author identity is already linked to the member"


class ClaimError(ValueError):
    """A claim or decision that cannot be made; the message is for the member or admin."""


class NoSuchAuthor(ClaimError):
    """The paper has no author at that position."""


def slot(paper: Paper, position: int) -> Authorship:
    authorship = Authorship.objects.select_related("author").filter(paper=paper, position=position).first()
    if authorship is None:
        raise NoSuchAuthor("This paper has no author at that position.")
    return authorship


def claim_authorship(user, authorship: Authorship) -> AuthorClaim:
    """``user`` claims ``authorship``'s slot. Raises RateLimited past the member's claim rate,
    ClaimError when the claim cannot be made (see the module's rules)."""
    if not user.is_authenticated or not user.is_active:
        raise ClaimError("Sign in to claim authorship.")
    count_per_minute(user.pk, scope="claim", per_minute=settings.DAILYPAPERS_CLAIM_RATE_PER_MINUTE)
    author = authorship.author
    if author.user_id and author.user_id != user.pk:
        raise ClaimError("Another member has claimed this author; write to the site's admins if this is you.")
    if AuthorClaim.objects.filter(user=user, paper_id=authorship.paper_id).exists():
        raise ClaimError("You have already claimed an author of this paper.")
    if AuthorClaim.objects.open().filter(paper_id=authorship.paper_id, position=authorship.position).exists():
        raise ClaimError("Another member has claimed this author; the admins will decide.")
    try:
        with transaction.atomic():
            claim = AuthorClaim.objects.create(
                user=user, paper_id=authorship.paper_id, position=authorship.position, author=author, name=authorship.shown_name
            )
    except IntegrityError:  # a concurrent claim won the race for the slot or the paper
        raise ClaimError("This author has just been claimed.") from None
    if author.user_id == user.pk:
        claim = decide(claim, approved=True, by=None, note=AUTOMATIC_NOTE)
    return claim


def decide(claim: AuthorClaim, approved: bool, by, note: str = "") -> AuthorClaim:
    """The one place a claim's decision takes effect: its status, who and when, and the author link.

    ``by`` is the deciding admin (None for the automatic rule). Approving links the author identity
    the member claimed (``claim.author``, the one the admin sees, even if a re-import has since
    moved it in the byline) to the claimant; rejecting an approved claim unlinks it again. An admin
    never decides their own claim."""
    if by is not None and by.pk == claim.user_id:
        raise ClaimError("A claim is decided by another admin, not by the member who made it.")
    status = AuthorClaim.Status.APPROVED if approved else AuthorClaim.Status.REJECTED
    with transaction.atomic():
        claim = AuthorClaim.objects.select_for_update(of=("self",)).select_related("author").get(pk=claim.pk)
        was_approved = claim.status == AuthorClaim.Status.APPROVED
        author = claim.author
        if approved:
            if author is None or not Authorship.objects.filter(paper_id=claim.paper_id, author=author).exists():
                raise ClaimError("The paper's byline no longer has the claimed author; reject the claim.")
            if author.user_id and author.user_id != claim.user_id:
                raise ClaimError(f"This author identity is linked to another member ({author.user}); unlink it first.")
            if author.user_id != claim.user_id:
                author.user_id = claim.user_id
                author.save(update_fields=["user"])
        elif was_approved and author is not None and author.user_id == claim.user_id:
            author.user_id = None
            author.save(update_fields=["user"])
        claim.status = status
        claim.decided_at = timezone.now()
        claim.decided_by = by
        if note:
            claim.note = note[:2000]
        claim.save(update_fields=["status", "decided_at", "decided_by", "note"])
    # The claimant is notified by community.decisions (a post_save receiver: accounts sits below community).
    return claim


def approve(claim: AuthorClaim, by, note: str = "") -> AuthorClaim:
    return decide(claim, approved=True, by=by, note=note)


def reject(claim: AuthorClaim, by, note: str = "") -> AuthorClaim:
    return decide(claim, approved=False, by=by, note=note)


def claims_of(user, paper: Paper) -> dict[int, AuthorClaim]:
    """The member's claims on ``paper`` by position (at most one, by the rules)."""
    if not user.is_authenticated:
        return {}
    return {c.position: c for c in AuthorClaim.objects.filter(user=user, paper=paper)}
