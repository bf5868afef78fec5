"""Incremental reads (/api/v1/changes/…, trending ?since=): a mirror pages through what changed and
comes back later for what changed after, nothing skipped, nothing twice unless it changed again."""

import datetime as dt

import pytest
from django.utils import timezone

from dailypapers.api import sync
from dailypapers.community.services import delete_comment, edit_comment, post_comment
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.papers.services import set_upvote

pytestmark = pytest.mark.django_db


@pytest.fixture
def settled(monkeypatch):
    monkeypatch.setattr(sync, "SETTLE_SECONDS", 0)


def read_all(client, path, **params):
    """Every page of a feed from ``params``: (ids in order, the last cursor)."""
    ids, cursor = [], None
    query = "&".join(f"{k}={v}" for k, v in params.items())
    while True:
        body = client.get(f"{path}?{query}" + (f"&cursor={cursor}" if cursor else "")).json()
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"] or cursor
        query = "&".join(f"{k}={v}" for k, v in params.items() if k == "limit")
        if not body["has_more"]:
            return ids, cursor


def test_papers_page_in_change_order_and_a_vote_brings_one_back(client, catalog, member, settled):
    every = list(Paper.objects.order_by("modified_at", "id").values_list("id", flat=True))
    ids, cursor = read_all(client, "/api/v1/changes/papers", limit=2)
    assert ids == every and len(ids) == len(set(ids)) > 2
    # Caught up: the kept cursor yields nothing new...
    caught_up = client.get(f"/api/v1/changes/papers?cursor={cursor}").json()
    assert caught_up["items"] == [] and not caught_up["has_more"] and caught_up["next_cursor"] == cursor
    # ...until a paper changes: a member's vote is a change of the paper (its upvotes).
    set_upvote(member, Paper.objects.get(pk=every[0]), True)
    later = client.get(f"/api/v1/changes/papers?cursor={cursor}").json()
    assert [p["id"] for p in later["items"]] == [every[0]] and later["items"][0]["upvotes"] >= 1


def test_since_a_time_and_the_settle_window(client, catalog, settled, monkeypatch):
    cut = timezone.now()
    Paper.objects.filter(pk="2106.09685").update(modified_at=cut - dt.timedelta(minutes=1))
    Paper.objects.exclude(pk="2106.09685").update(modified_at=cut - dt.timedelta(days=1))
    since = (cut - dt.timedelta(hours=1)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [p["id"] for p in client.get(f"/api/v1/changes/papers?since={since}").json()["items"]] == ["2106.09685"]
    # A row changed in the last seconds waits (its transaction may not have committed everywhere).
    monkeypatch.setattr(sync, "SETTLE_SECONDS", 3600)
    assert client.get(f"/api/v1/changes/papers?since={since}").json()["items"] == []


def test_votes_in_the_order_cast_without_voters(client, catalog, member, django_user_model, settled):
    other = django_user_model.objects.create_user("other", "o@example.org", "pw-123456789")
    set_upvote(member, Paper.objects.get(pk="2106.09685"), True)
    set_upvote(other, Paper.objects.get(pk="2106.09685"), True)
    body = client.get("/api/v1/changes/votes?limit=1").json()
    assert body["has_more"] and body["items"][0]["paper_id"] == "2106.09685" and "user" not in body["items"][0]
    rest = client.get(f"/api/v1/changes/votes?cursor={body['next_cursor']}").json()
    assert len(rest["items"]) == 1 and rest["items"][0]["member_upvotes"] == 2 and not rest["has_more"]


def test_comments_posted_edited_and_deleted_come_in_change_order(client, catalog, member, settled):
    paper = Paper.objects.get(pk="2106.09685")
    first = post_comment(member, paper, "First")
    second = post_comment(member, paper, "Second")
    ids, cursor = read_all(client, "/api/v1/changes/comments")
    assert ids == [first.pk, second.pk]
    edit_comment(member, first, "First, edited")
    delete_comment(member, second)
    later = client.get(f"/api/v1/changes/comments?cursor={cursor}").json()["items"]
    assert [c["id"] for c in later] == [first.pk, second.pk]
    assert later[0]["source"] == "First, edited" and later[1]["deleted"] and later[1]["source"] == ""


def test_trending_since_keeps_what_reached_a_page_after(client, catalog):
    entry = DailyEntry.objects.order_by("-submitted_at").first()
    since = (entry.submitted_at - dt.timedelta(seconds=1)).astimezone(dt.UTC).isoformat()
    everything = client.get("/api/v1/trending").json()["items"]
    body = client.get("/api/v1/trending", {"since": since}).json()
    assert len(everything) > 1 and [i["id"] for i in body["items"]] == [entry.paper_id]


@pytest.mark.parametrize("query", ["since=yesterday", "cursor=bm90IGEgY3Vyc29y", "cursor=%%%", "since=2026-01-01&cursor=abc"])
def test_bad_since_or_cursor_is_400_json(client, catalog, query):
    for feed in ("papers", "votes", "comments"):
        response = client.get(f"/api/v1/changes/{feed}?{query}")
        assert response.status_code == 400 and response.json()["detail"], (feed, query)
    assert client.get("/api/v1/changes/papers?limit=0").status_code == 422
    if query == "since=yesterday":
        assert client.get(f"/api/v1/trending?{query}").status_code == 400


def test_the_feeds_are_in_the_openapi_schema(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/changes/papers", "/api/v1/changes/votes", "/api/v1/changes/comments"} <= set(paths)
    assert "since" in {p["name"] for p in paths["/api/v1/trending"]["get"]["parameters"]}


def test_a_cursor_wins_over_since_and_names_its_place(client, catalog, settled):
    ids, cursor = read_all(client, "/api/v1/changes/papers", limit=2)
    micros, _, key = cursor.partition("~")
    assert micros.isdigit() and key == ids[-1]  # the last row's time and id, readable and stable
    both = client.get(f"/api/v1/changes/papers?since=2000-01-01&cursor={cursor}").json()
    assert both["items"] == [] and both["next_cursor"] == cursor
