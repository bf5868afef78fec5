"""The digest's personal section is discovery's model (the same picks and reasons as "for you"),
and its Following section the period's papers matching the member's follows."""

from __future__ import annotations

import datetime as dt

import pytest

from dailypapers.digests.content import IssueContent, rank_issue
from dailypapers.digests.models import Subscription
from dailypapers.discovery import follows
from dailypapers.discovery.models import Follow
from dailypapers.discovery.ranking import recommend
from dailypapers.papers.models import Author, Upvote
from dailypapers.papers.periods import period_containing
from tests.discovery.corpus import ids_of, topic_of

pytestmark = pytest.mark.django_db


def test_personal_and_following_sections(topics, member, settings):
    settings.DAILYPAPERS_DIGEST_PERSONAL_N = 3
    for pid in ids_of("diffusion")[:2]:
        Upvote.objects.create(user=member, paper_id=pid)
    follows.follow(member, Follow.Kind.AUTHOR, str(Author.objects.get(name="Grace Qubit").pk))
    week = period_containing("week", topics - dt.timedelta(days=5))  # last week: most of the corpus
    issue = rank_issue("weekly", week.key)
    content = IssueContent(issue)
    sub = Subscription(email=member.email, user=member, personal=True, categories=["zz.none"])
    selection = content.select(sub)
    assert selection.following and all(topic_of(pid) == "quantum" for pid, _ in selection.following)
    assert all(reason == "by Grace Qubit, whom you follow" for _, reason in selection.following)
    following_ids = {pid for pid, _ in selection.following}
    # one model: the section is the top of "for you" less what the Following section already shows
    expected = [(p.paper_id, p.reason) for p in recommend(member, exclude=following_ids)][:3]
    assert list(selection.personal) == expected and all(topic_of(pid) == "diffusion" for pid, _ in expected)
    html, text = content.render(selection)
    assert "Following" in text and "By Grace Qubit, whom you follow" in html and "because you upvoted “" in text
    assert "Because you upvoted “" in html


def test_no_sections_without_signals(topics, member):
    week = period_containing("week", topics - dt.timedelta(days=5))  # last week: most of the corpus
    content = IssueContent(rank_issue("weekly", week.key))
    selection = content.select(Subscription(email=member.email, user=member, personal=True))
    assert selection.personal == () and selection.following == ()
