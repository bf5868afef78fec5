"""GET /api/v1/me/for-you, POST/DELETE /api/v1/me/feedback, GET/POST/DELETE /api/v1/me/follows, and
the private feeds: what they answer, and a 4xx JSON message (never a 500) for every bad parameter."""

from __future__ import annotations

import json
import re

import pytest

from dailypapers.papers.models import Author, Organization, Upvote
from tests.discovery.corpus import ids_of, topic_of

pytestmark = pytest.mark.django_db


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post(client, url, body, token, method="post"):
    return getattr(client, method)(url, data=json.dumps(body) if not isinstance(body, str) else body,
                                   content_type="application/json", **auth(token))


def test_for_you_pages_with_a_cursor_and_says_why(client, topics, member, token):
    for pid in ids_of("diffusion")[:3]:
        Upvote.objects.create(user=member, paper_id=pid)
    first = client.get("/api/v1/me/for-you?limit=3", **auth(token))
    assert first.status_code == 200
    body = first.json()
    assert [topic_of(i["id"]) for i in body["items"]] == ["diffusion"] * 3 and body["cold_start"] is False
    item = body["items"][0]
    assert item["reason"].startswith("because you upvoted “") and item["because"]["kind"] == "upvoted"
    assert item["because"]["paper_id"] in ids_of("diffusion")[:3] and item["title"] and item["url"].startswith("/papers/")
    seen = [i["id"] for i in body["items"]]
    cursor = body["next_cursor"]
    while cursor:
        page = client.get(f"/api/v1/me/for-you?limit=10&cursor={cursor}", **auth(token)).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 27  # 30 papers less the 3 upvoted, each once


def test_for_you_refuses_bad_parameters_with_json(client, topics, member, token):
    assert client.get("/api/v1/me/for-you").status_code == 401
    # A cursor is the schema's pattern (digits) or schema-invalid: 422 like any other parameter.
    for query in ("limit=0", "limit=101", "limit=abc", "cursor=" + "1" * 41, "cursor=!!!", "cursor=b2FiYw", "cursor=%25%C3%A5"):
        response = client.get(f"/api/v1/me/for-you?{query}", **auth(token))
        assert response.status_code == 422 and response.json()["detail"], query


def test_cold_start_is_said(client, topics, token):
    body = client.get("/api/v1/me/for-you", **auth(token)).json()
    assert body == {"items": [], "next_cursor": None, "cold_start": True}


def test_feedback_not_interested_and_undo(client, topics, member, token):
    for pid in ids_of("graphs")[:2]:
        Upvote.objects.create(user=member, paper_id=pid)
    ids = [i["id"] for i in client.get("/api/v1/me/for-you?limit=100", **auth(token)).json()["items"]]
    target = ids[0]
    answer = post(client, "/api/v1/me/feedback", {"paper_id": target, "signal": "less"}, token)
    assert answer.status_code == 200 and answer.json() == {"paper_id": target, "signal": "less"}
    after = [i["id"] for i in client.get("/api/v1/me/for-you?limit=100", **auth(token)).json()["items"]]
    assert target not in after
    undo = client.delete(f"/api/v1/me/feedback?paper_id={target}", **auth(token))
    assert undo.status_code == 200 and undo.json()["signal"] == "none"
    assert target in [i["id"] for i in client.get("/api/v1/me/for-you?limit=100", **auth(token)).json()["items"]]
    assert post(client, "/api/v1/me/feedback", {"paper_id": target, "signal": "none"}, token).json()["signal"] == "none"


@pytest.mark.parametrize("body, status", [
    ({"paper_id": "2611.00000", "signal": "maybe"}, 422),
    ({"paper_id": "2611.00000"}, 422),
    ({"paper_id": "", "signal": "more"}, 422),
    ({"paper_id": "2611.00000", "signal": "more", "extra": 1}, 422),
    ({"paper_id": 5, "signal": "more"}, 422),
    ({"paper_id": "9999.99999", "signal": "more"}, 404),
    ("[1, 2]", 400),
    ("{not json", 400),
])
def test_feedback_refuses_bad_input_with_json(client, topics, token, body, status):
    response = post(client, "/api/v1/me/feedback", body, token)
    assert response.status_code == status and response.json()["detail"]


def test_follows_are_listed_made_and_removed(client, topics, token):
    author = Author.objects.get(name="Vera Halo")
    Organization.objects.create(slug="cern", name="CERN")
    made = []
    for kind, target in (("author", str(author.pk)), ("organization", "cern"), ("category", "quant-ph"), ("search", "dark matter")):
        response = post(client, "/api/v1/me/follows", {"kind": kind, "target": target}, token)
        assert response.status_code == 201, response.content
        made.append(response.json())
    assert made[0]["label"] == "Vera Halo" and made[1]["label"] == "CERN"
    assert post(client, "/api/v1/me/follows", {"kind": "category", "target": "quant-ph"}, token).status_code == 200  # again: same
    listed = client.get("/api/v1/me/follows", **auth(token)).json()
    assert {(f["kind"], f["target"]) for f in listed} == {(m["kind"], m["target"]) for m in made}
    assert all(re.match(r"http://testserver/feeds/me/.+\.rss$", f["feed_rss"]) for f in listed)
    assert client.delete("/api/v1/me/follows?kind=search&target=dark%20matter", **auth(token)).status_code == 204
    assert client.delete("/api/v1/me/follows?kind=search&target=dark%20matter", **auth(token)).status_code == 404
    assert len(client.get("/api/v1/me/follows", **auth(token)).json()) == 3


@pytest.mark.parametrize("body, status, words", [
    ({"kind": "person", "target": "x"}, 422, None),
    # Each kind's target format is in the schema (422 off it); a well-formed unknown one is a 404.
    ({"kind": "author", "target": "999999"}, 404, "No author"),
    ({"kind": "author", "target": "ada"}, 422, None),
    ({"kind": "organization", "target": "no-such-org"}, 404, "No organization"),
    ({"kind": "organization", "target": "bad slug!"}, 422, None),
    ({"kind": "category", "target": "cs..CL"}, 422, None),
    ({"kind": "search", "target": "   "}, 422, None),
    ({"kind": "search", "target": "x" * 251}, 422, None),
    ({"kind": "search"}, 422, None),
    ({"kind": "search", "target": "the of and"}, 201, None),  # only stop words still searches (as the search box)
])
def test_follows_refuse_bad_input_with_json(client, topics, token, body, status, words):
    response = post(client, "/api/v1/me/follows", body, token)
    assert response.status_code == status, response.content
    if status >= 400:
        assert response.json()["detail"] and (words is None or words in response.json()["detail"])


def test_unfollow_refuses_bad_input(client, topics, token):
    assert client.delete("/api/v1/me/follows?kind=planet&target=x", **auth(token)).status_code == 422
    assert client.delete("/api/v1/me/follows?kind=author", **auth(token)).status_code == 422
    assert client.delete("/api/v1/me/follows?kind=author&target=1").status_code == 401


def test_private_feeds_per_member_and_per_follow_escape_and_revoke(client, topics, member, token):
    from dailypapers.discovery.services import revoke_feed_links

    for pid in ids_of("proteins")[:2]:
        Upvote.objects.create(user=member, paper_id=pid)
    follow = post(client, "/api/v1/me/follows", {"kind": "search", "target": "dark <matter>"}, token).json()
    rss = client.get(follow["feed_rss"])
    assert rss.status_code == 200 and rss["Content-Type"].startswith("application/rss+xml")
    text = rss.content.decode()
    assert "Weak Gravitational Lensing Maps of Dark Matter" in text
    assert "<matter>" not in text and "<title>Following dark &lt;matter&gt;" in text  # plain text: escaped for XML
    assert "matches your saved search “dark &amp;lt;matter&amp;gt;”" in text  # the reason is HTML: escaped for it, then XML
    atom = client.get(follow["feed_atom"])
    assert atom.status_code == 200 and "<feed" in atom.content.decode()

    client.force_login(member)
    page = client.get("/following").content.decode()
    own = re.search(r'href="(/feeds/me/[^"]+\.rss)" data-testid="feed-rss"', page)[1]
    mine = client.get(own).content.decode()
    items = re.findall(r"<item><title>(.*?)</title>", mine)
    assert len(items) == 28 and "because you upvoted “" in mine  # every recent paper but the two upvoted, with reasons
    assert "Highly Accurate Protein Structure Prediction from Sequence" not in items and items[0] in {
        "Protein Language Models Learn Evolutionary Constraints", "De Novo Design of Protein Binders",
        "Molecular Dynamics of Membrane Protein Folding", "Predicting Enzyme Function from Protein Structure",
        "Cryo-EM Reconstruction of Flexible Protein Complexes"}
    revoke_feed_links(member)
    assert client.get(own).status_code == 404 and client.get(follow["feed_rss"]).status_code == 404
    assert client.get("/feeds/me/forged.rss").status_code == 404
    assert client.get("/feeds/me/" + own.split("/")[-1].replace(".rss", "x.rss")).status_code == 404
