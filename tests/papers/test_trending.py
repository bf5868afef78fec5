"""The trending formula on crafted data: score = upvotes / (age_hours + offset) ** gravity."""

import datetime as dt

import pytest

from dailypapers.papers.models import DailyEntry
from dailypapers.papers.ranking import TrendingRanker
from tests.papers.factories import make_paper

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone.utc)


def test_score_matches_the_published_formula():
    ranker = TrendingRanker(gravity=1.5, offset_hours=2, window_days=14)
    assert ranker.score(10, 2) == pytest.approx(10 / 4**1.5)
    assert ranker.score(0, 5) == 0
    # A paper from the future (clock skew) is treated as brand new, not rewarded.
    assert ranker.score(10, -3) == ranker.score(10, 0)


def test_more_votes_rank_higher_and_age_pulls_down():
    ranker = TrendingRanker()
    assert ranker.score(20, 10) > ranker.score(10, 10)
    assert ranker.score(10, 5) > ranker.score(10, 50)
    # Twice the votes do not make up for a paper being two days older.
    assert ranker.score(20, 48) < ranker.score(10, 10)


def test_higher_gravity_punishes_age_more():
    mild, harsh = TrendingRanker(gravity=1.0), TrendingRanker(gravity=2.0)
    assert harsh.score(10, 48) / harsh.score(10, 1) < mild.score(10, 48) / mild.score(10, 1)


@pytest.mark.django_db
def test_rank_orders_window_entries_by_score():
    def at(hours_ago):
        t = NOW - dt.timedelta(hours=hours_ago)
        return {"day": t.date(), "submitted_at": t}

    fresh = make_paper(upvotes=5, **at(1))  # 5 / 3^1.5  = 0.962
    old_popular = make_paper(upvotes=60, **at(40))  # 60 / 42^1.5 = 0.220
    mid = make_paper(upvotes=20, **at(10))  # 20 / 12^1.5 = 0.481
    too_old = make_paper(upvotes=1000, **at(24 * 20))  # outside the 14-day window
    ranked = TrendingRanker(gravity=1.5, offset_hours=2, window_days=14).rank(DailyEntry.objects.all(), now=NOW)
    assert [e.paper_id for e in ranked] == [fresh.pk, mid.pk, old_popular.pk]
    assert too_old.pk not in {e.paper_id for e in ranked}
    assert ranked[0].trending_score == pytest.approx(5 / 3**1.5)


@pytest.mark.django_db
def test_equal_scores_have_a_stable_order():
    t = NOW - dt.timedelta(hours=3)
    b = make_paper(id="2411.00002", upvotes=4, day=t.date(), submitted_at=t)
    a = make_paper(id="2411.00001", upvotes=4, day=t.date(), submitted_at=t)
    ranked = TrendingRanker().rank(DailyEntry.objects.all(), now=NOW)
    assert [e.paper_id for e in ranked] == [a.pk, b.pk]


def test_withdrawn_papers_are_marked_and_kept_out_of_trending_and_digests(client, db):
    import datetime as dt

    from django.utils import timezone

    from dailypapers.digests.content import rank_issue
    from dailypapers.papers.models import DailyEntry, Paper
    from dailypapers.papers.ranking import TrendingRanker

    now = timezone.now()
    kept = Paper.objects.create(id="2611.00001", title="Kept", imported_upvotes=5)
    gone = Paper.objects.create(id="2611.00002", title="Gone", imported_upvotes=50, withdrawn_at=now, report_no="LA-UR-26-1")
    for paper in (kept, gone):
        DailyEntry.objects.create(paper=paper, date=now.date(), submitted_at=now - dt.timedelta(hours=1))
    assert [e.paper_id for e in TrendingRanker.from_settings().rank(DailyEntry.objects.all())] == ["2611.00001"]
    assert rank_issue("daily", timezone.localdate().isoformat()).ranked_paper_ids == ["2611.00001"]
    page = client.get("/papers/2611.00002").content.decode()
    assert 'data-testid="withdrawn"' in page and "LA-UR-26-1" in page
    assert 'class="badge withdrawn"' in client.get("/").content.decode()  # still on its day's page
    assert client.get("/api/papers/2611.00002").json()["withdrawnAt"].startswith(now.strftime("%Y-%m-%d"))
    assert client.get("/api/papers/2611.00001").json()["withdrawnAt"] is None
    native = client.get("/api/v1/papers/2611.00002").json()
    assert native["report_no"] == "LA-UR-26-1" and native["withdrawn_at"]
