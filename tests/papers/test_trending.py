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


@pytest.mark.django_db
def test_ranked_ids_order_as_rank_does_without_score_zero():
    ranker = TrendingRanker()
    for i, votes in enumerate([3, 0, 9, 5, 0, 1]):
        make_paper(upvotes=votes, day=NOW.date(), submitted_at=NOW - dt.timedelta(hours=i))
    ranked = ranker.ranked_ids(DailyEntry.objects.all(), now=NOW)
    full = [e for e in ranker.rank(DailyEntry.objects.all(), now=NOW) if e.paper.upvotes]
    assert [pk for pk, _, _ in ranked] == [e.pk for e in full] and len(ranked) == 4
    assert [score for _, score, _ in ranked] == pytest.approx([e.trending_score for e in full])


@pytest.mark.django_db
def test_trending_page_pages_and_ranks_once_per_change(client, member, django_assert_num_queries):
    from django.utils import timezone

    from dailypapers.papers.services import set_upvote

    now = timezone.now()
    papers = [make_paper(title=f"Trend {i:02d}", upvotes=60 - i, day=now.date(), submitted_at=now - dt.timedelta(hours=1)) for i in range(55)]
    make_paper(title="No votes at all", upvotes=0, day=now.date(), submitted_at=now)
    first = client.get("/papers/trending").content.decode()
    assert "Trend 00" in first and "Trend 49" in first and "Trend 50" not in first and "No votes at all" not in first
    assert "?page=2" in first
    second = client.get("/papers/trending?page=2").content.decode()  # the ranking is cached: only the page's entries are read
    assert "Trend 50" in second and "Trend 54" in second and "Trend 00" not in second and "No votes at all" not in second
    with django_assert_num_queries(2):  # another URL, same content: the cached ranking, then the page's entries and authors
        client.get("/papers/trending?page=2&utm=1")
    set_upvote(member, papers[54], True)
    with django_assert_num_queries(5):  # a vote: ranked again, and the filters' organization names and facets read again
        page = client.get("/papers/trending?page=2").content.decode()
    card = page[page.index(f'id="paper-{papers[54].pk.replace(".", "")}"'):page.index("Trend 54")]
    assert 'data-testid="upvote-count">7<' in card  # 6 imported + the member's


@pytest.mark.django_db
def test_no_trending_list_is_padded_with_papers_that_score_zero(client):
    """The page, the native API, the HF API's sort=trending, the feed (and digests, ranked by
    ``rank``): one rule (issue 29)."""
    from django.utils import timezone

    now = timezone.now()
    voted = make_paper(title="Voted paper", upvotes=4, day=now.date(), submitted_at=now - dt.timedelta(hours=1))
    make_paper(title="Unvoted paper", upvotes=0, day=now.date(), submitted_at=now - dt.timedelta(hours=1))
    assert [e.paper_id for e in TrendingRanker().rank(DailyEntry.objects.all())] == [voted.pk]
    page = client.get("/papers/trending").content.decode()
    native = client.get("/api/v1/trending").json()
    hf = client.get("/api/daily_papers?sort=trending").json()
    feed = client.get("/feeds/trending.rss").content.decode()
    assert "Voted paper" in page and "Unvoted paper" not in page
    assert [item["paper"]["id"] if "paper" in item else item["id"] for item in native["items"]] == [voted.pk]
    assert [item["paper"]["id"] for item in hf] == [voted.pk]
    assert "Voted paper" in feed and "Unvoted paper" not in feed
