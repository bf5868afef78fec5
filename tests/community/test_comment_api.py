"""Comments through the HF-compatible endpoints (Bearer token) and the native API."""

import json

import pytest
from django.test import Client, override_settings
from huggingface_hub.community import deserialize_event

from dailypapers.accounts.models import ApiToken
from dailypapers.community import services
from dailypapers.community.models import Comment
from dailypapers.papers.models import DailyEntry, Paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(member):
    return ApiToken.issue(member, "bot")[1]


def post(url, body, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return Client().post(url, json.dumps(body), content_type="application/json", **headers)


def test_hf_comment_and_reply_with_a_token(paper, token, member):
    response = post(f"/api/papers/{paper.id}/comment", {"comment": "Great **work**"}, token)
    assert response.status_code == 200
    data = response.json()
    event = deserialize_event(data["newMessage"])  # the shape huggingface_hub reads for a new comment
    assert event.author == "ada" and event.content == "Great **work**" and "<strong>work</strong>" in event.rendered
    assert data["numComments"] == 1

    response = post(f"/api/papers/{paper.id}/comment/{event.id}/reply", {"comment": "and a reply"}, token)
    assert response.status_code == 200
    reply = Comment.objects.get(pk=int(response.json()["newMessage"]["id"]))
    assert reply.parent_id == int(event.id) and reply.author == member
    assert response.json()["newMessage"]["parentCommentId"] == event.id


def test_num_comments_right_in_both_apis(paper, token):
    DailyEntry.objects.create(paper=paper, date="2024-01-02", submitted_at="2024-01-02T10:00:00Z")
    post(f"/api/papers/{paper.id}/comment", {"comment": "one"}, token)
    post(f"/api/papers/{paper.id}/comment", {"comment": "two"}, token)
    assert Client().get(f"/api/papers/{paper.id}").json()["numComments"] == 2
    assert Client().get(f"/api/v1/papers/{paper.id}").json()["num_comments"] == 2
    daily = Client().get("/api/daily_papers?date=2024-01-02").json()
    assert daily[0]["numComments"] == 2


@pytest.mark.parametrize("headers", [{}, {"HTTP_AUTHORIZATION": "Bearer dp_wrong"}, {"HTTP_AUTHORIZATION": "Basic x"}])
def test_hf_comment_needs_a_valid_token(paper, headers):
    response = Client().post(f"/api/papers/{paper.id}/comment", json.dumps({"comment": "x"}), content_type="application/json", **headers)
    assert response.status_code == 401 and "error" in response.json()
    assert Comment.objects.count() == 0


def test_a_banned_members_token_stops_working(paper, token, member, django_user_model):
    moderator = django_user_model.objects.create_superuser(username="mod", email="m@example.org", password="x-very-long-9")
    services.set_banned(moderator, member, True)
    assert post(f"/api/papers/{paper.id}/comment", {"comment": "x"}, token).status_code == 401


@pytest.mark.parametrize("body", [{}, {"comment": 3}, {"comment": "   "}, ["comment"]])
def test_hf_comment_bad_bodies(paper, token, body):
    response = post(f"/api/papers/{paper.id}/comment", body, token)
    assert response.status_code == 400 and response.json()["error"]


def test_hf_reply_to_a_comment_of_another_paper_is_404(paper, token, member):
    other = Paper.objects.create(id="2401.00002", title="Other", abstract="x")
    elsewhere = services.post_comment(member, other, "elsewhere")
    assert post(f"/api/papers/{paper.id}/comment/{elsewhere.pk}/reply", {"comment": "x"}, token).status_code == 404
    assert post("/api/papers/2401.09999/comment", {"comment": "x"}, token).status_code == 404


@override_settings(DAILYPAPERS_WRITE_RATE_PER_MINUTE=1)
def test_hf_comment_rate_limit_is_429_json(paper, token):
    assert post(f"/api/papers/{paper.id}/comment", {"comment": "one"}, token).status_code == 200
    response = post(f"/api/papers/{paper.id}/comment", {"comment": "two"}, token)
    assert response.status_code == 429 and response["Retry-After"] and "error" in response.json()


def test_native_api_lists_and_posts_comments(paper, token, member):
    first = services.post_comment(member, paper, "first")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    response = Client().post(
        f"/api/v1/papers/{paper.id}/comments", json.dumps({"text": "reply *here*", "parent_id": first.pk}), content_type="application/json", **headers
    )
    assert response.status_code == 201 and response.json()["parent_id"] == first.pk and "<em>here</em>" in response.json()["html"]
    services.delete_comment(member, first)
    listed = Client().get(f"/api/v1/papers/{paper.id}/comments").json()
    assert [(c["deleted"], c["source"], c["author"]) for c in listed] == [(True, "", None), (False, "reply *here*", "ada")]
    assert Client().post(f"/api/v1/papers/{paper.id}/comments", json.dumps({"text": "x"}), content_type="application/json").status_code == 401
