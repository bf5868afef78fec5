"""A reader's upvote that waits for them to sign in.

An anonymous reader who presses upvote is sent to log in; their intent is kept in their session (the
press was a POST with a valid CSRF token, so no other site can plant one) and cast when they sign
in or sign up (``user_logged_in``), so the vote is not lost on the way. Only one waits: the last one.
"""

from __future__ import annotations

from django.contrib import messages

from dailypapers.lib.ratelimit import RateLimited, count_per_minute

SESSION_KEY = "dailypapers:pending-upvote"


def remember(request, paper_id: str) -> None:
    request.session[SESSION_KEY] = paper_id


def cast_after_login(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: cast the vote the reader pressed before signing in."""
    from dailypapers.papers.models import Paper
    from dailypapers.papers.services import set_upvote

    if request is None or not hasattr(request, "session"):
        return
    paper_id = request.session.pop(SESSION_KEY, None)
    paper = Paper.objects.filter(pk=paper_id).first() if isinstance(paper_id, str) else None
    if paper is None or not user.is_active:
        return
    try:
        count_per_minute(user.pk)
    except RateLimited:
        return
    set_upvote(user, paper, True)
    messages.success(request, f"Your upvote on “{paper.title}” counted.")
