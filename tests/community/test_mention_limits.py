"""Mentions are bounded: a comment links and notifies only its first few @names, and the replies and
mentions one member causes are capped per hour (a counter in the database, so across processes)."""

from unittest import mock

import pytest

from dailypapers.community import services
from dailypapers.community.models import Mention, Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowd(django_user_model):
    return [django_user_model.objects.create_user(username=f"m{i:02d}", password="correct-horse-9") for i in range(43)]


def test_a_comment_links_and_notifies_only_its_first_mentions(member, crowd, paper, settings):
    settings.DAILYPAPERS_MENTIONS_PER_COMMENT = 5
    text = "Look, " + " ".join(f"@{u.username}" for u in crowd)
    comment = services.post_comment(member, paper, text)
    names = ["m00", "m01", "m02", "m03", "m04"]
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == names
    assert sorted(Mention.objects.filter(comment=comment).values_list("user__username", flat=True)) == names
    assert comment.html.count('class="mention"') == 5 and "@m42" in comment.html  # the rest: text
    # Non-members among the first names count too: the budget is names, not lookups.
    other = services.post_comment(member, paper, "@nobody1 @nobody2 @nobody3 @nobody4 @nobody5 @m10")
    assert not Mention.objects.filter(comment=other).exists()


def test_one_member_causes_at_most_so_many_notifications_an_hour(member, crowd, paper, settings):
    settings.DAILYPAPERS_MENTIONS_PER_COMMENT = 10
    settings.DAILYPAPERS_NOTIFICATIONS_PER_HOUR = 12
    hour = 29_000_040 * 60
    with mock.patch("dailypapers.lib.ratelimit.time.time", return_value=hour + 10):
        for start in range(0, 40, 10):  # four comments of ten mentions each, and replies to them
            services.post_comment(member, paper, " ".join(f"@{u.username}" for u in crowd[start:start + 10]))
        assert Notification.objects.filter(actor=member).count() == 12
        top = services.post_comment(crowd[42], paper, "A question")
        services.post_comment(member, paper, "An answer", parent=top)  # a reply is one too
        assert Notification.objects.filter(actor=member).count() == 12
        assert Notification.objects.filter(actor=crowd[42]).count() == 0  # others' budgets are their own
    with mock.patch("dailypapers.lib.ratelimit.time.time", return_value=hour + 3600 + 10):
        services.post_comment(member, paper, "Again", parent=top)
    assert Notification.objects.filter(actor=member).count() == 13
