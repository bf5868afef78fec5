"""Linked repositories, member links, the paper list and indexing of the HF-compatible API, read
with the real ``huggingface_hub`` client where it has a method, and over HTTP where it has none."""

import json
import socket

import pytest
import requests
from huggingface_hub import HfApi
from huggingface_hub.hf_api import DatasetInfo, ModelInfo, SpaceInfo

from dailypapers.accounts.models import ApiToken
from dailypapers.community.services import post_comment
from dailypapers.enrichment.services import enrich
from dailypapers.papers.models import DailyEntry, Paper, PaperLink

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hf(live_server, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    return HfApi(endpoint=live_server.url, token=False)


@pytest.fixture
def stranger(django_user_model):
    return django_user_model.objects.create_user(username="mallory", email="m@example.org", password="x-horse-9-long")


def _post(live_server, path, body, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return requests.post(live_server.url + path, data=data, headers=headers, timeout=10)


def test_a_submitters_comment_links_hub_repos_that_the_client_reads(hf, catalog, member, stranger):
    lora = Paper.objects.get(pk="2106.09685")  # ada submitted it
    post_comment(member, lora, "Weights: https://huggingface.co/microsoft/lora-weights, demo https://huggingface.co/spaces/ms/lora-demo")
    post_comment(stranger, lora, "Mine: https://huggingface.co/spam/model")  # no right to: ignored
    enrich([lora.pk])  # what the worker does on the comment's signal

    info = hf.paper_info("2106.09685")
    assert [m.id for m in info.linked_models] == ["microsoft/lora-weights"] and all(isinstance(m, ModelInfo) for m in info.linked_models)
    assert info.num_total_models == 1 and info.linked_datasets == [] and info.num_total_datasets == 0
    assert [s.id for s in info.linked_spaces] == ["ms/lora-demo"] and isinstance(info.linked_spaces[0], SpaceInfo)
    assert info.github_repo == "https://github.com/microsoft/LoRA"  # the record's own, kept
    empty = hf.paper_info("1706.03762")
    assert empty.linked_models == [] and empty.num_total_models == 0 and not any(isinstance(x, DatasetInfo) for x in empty.linked_datasets)


def test_repos_endpoint(live_server, catalog):
    enrich(["2205.13147"])
    body = requests.get(f"{live_server.url}/api/arxiv/2205.13147/repos", timeout=10).json()
    assert body["models"] == body["datasets"] == body["spaces"] == []
    assert body["code"] == [{"url": "https://github.com/RAIVNLab/MRL", "id": "RAIVNLab/MRL", "origin": "source"}]
    missing = requests.get(f"{live_server.url}/api/arxiv/2999.99999/repos", timeout=10)
    assert missing.status_code == 404 and missing.json() == {"error": "Paper not found"}


def test_members_with_the_right_correct_links_and_others_cannot(hf, live_server, catalog, member, stranger):
    token = ApiToken.issue(member, "t")[1]
    other = ApiToken.issue(stranger, "t")[1]
    path = "/api/papers/2106.09685/links"

    r = _post(live_server, path, {"githubRepo": "https://github.com/microsoft/LoRA-v2/"}, token)
    assert r.status_code == 200, r.text
    assert r.json()["githubRepo"] == "https://github.com/microsoft/LoRA-v2"
    assert hf.paper_info("2106.09685").github_repo == "https://github.com/microsoft/LoRA-v2"
    enrich(["2106.09685"])  # finding links again does not undo the member's choice
    assert Paper.objects.get(pk="2106.09685").github_repo == "https://github.com/microsoft/LoRA-v2"

    r = _post(live_server, path, {"projectPage": ""}, token)  # "this paper has no project page"
    assert r.status_code == 200 and r.json()["projectPage"] is None
    assert PaperLink.objects.get(paper_id="2106.09685", kind="project").rejected

    assert _post(live_server, path, {"githubRepo": "https://github.com/x/y"}, other).status_code == 403
    assert _post(live_server, path, {"githubRepo": "https://github.com/x/y"}).status_code == 401
    for bad in ({"githubRepo": "https://example.org/x"}, {"githubRepo": "ftp://github.com/a/b"}, {"githubRepo": 5}, {},
                {"projectPage": "https://github.com/a/b"}, {"organizationId": "no-such-org"}, [1], "not json"):
        r = _post(live_server, path, bad, token)
        assert r.status_code == 400 and r.json()["error"], (bad, r.text)
    assert _post(live_server, "/api/papers/2999.99999/links", {"githubRepo": "https://github.com/a/b"}, token).status_code == 404
    assert requests.get(live_server.url + path, timeout=10).status_code == 405
    assert Paper.objects.get(pk="2106.09685").github_repo == "https://github.com/microsoft/LoRA-v2"  # nothing else written


def test_a_claimed_author_may_edit_and_the_card_shows_the_code(live_server, client, catalog, member):
    token = ApiToken.issue(member, "t")[1]  # ada claimed Kusupati, an author of MRL
    r = _post(live_server, "/api/papers/2205.13147/links", {"githubRepo": "https://gitlab.com/raivn/mrl"}, token)
    assert r.status_code == 200 and r.json()["githubRepo"] == "https://gitlab.com/raivn/mrl"
    assert Paper.objects.filter(github_repo="https://gitlab.com/raivn/mrl").count() == 1


def test_paper_list_pages_with_link_next(live_server, catalog):
    seen, url = [], f"{live_server.url}/api/papers?limit=2"
    while url:
        r = requests.get(url, timeout=10)
        assert r.status_code == 200
        items = r.json()
        assert len(items) <= 2 and all(i["source"] and "paper" in i and i["mediaUrls"] == [] for i in items)
        seen += [i["paper"]["id"] for i in items]
        url = r.links.get("next", {}).get("url")
    expected = list(Paper.objects.order_by("-published_at", "-id").values_list("pk", flat=True))
    assert seen == expected and len(seen) == 6
    first = requests.get(f"{live_server.url}/api/papers", timeout=10)
    assert "Link" not in first.headers and len(first.json()) == 6
    for bad in ("limit=0", "limit=101", "limit=x", "cursor=%%%", "cursor=bm90IGpzb24", "cursor=WzEsMl0"):
        r = requests.get(f"{live_server.url}/api/papers?{bad}", timeout=10)
        assert r.status_code == 400 and r.json()["error"], bad


def test_list_items_carry_the_fields_clients_read(live_server, catalog):
    items = requests.get(f"{live_server.url}/api/daily_papers", timeout=10).json()
    lora = next(i for i in items if i["paper"]["id"] == "2106.09685")
    assert lora["submittedBy"]["name"] == "ada" and lora["submittedBy"]["user"] == "ada"
    assert lora["submittedBy"]["avatarUrl"] == f"{live_server.url}/u/ada/avatar"
    assert requests.get(lora["submittedBy"]["avatarUrl"], timeout=10).status_code == 200
    assert lora["source"] == "jsonl" and lora["thumbnail"] is None and lora["mediaUrls"] == []
    mrl = next(i for i in items if i["paper"]["id"] == "2205.13147")
    assert mrl["isAuthorParticipating"] is True and lora["isAuthorParticipating"] is False


def test_index_a_paper(live_server, settings, catalog, member):
    token = ApiToken.issue(member, "t")[1]
    r = _post(live_server, "/api/papers/index", {"arxivId": "1706.03762"}, token)  # known: answered at once
    assert r.status_code == 200 and r.json()["id"] == "1706.03762"
    with socket.socket() as s:  # a port nothing listens on: arXiv "unreachable", the worker takes over
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.DAILYPAPERS_ARXIV_API_URL = f"http://127.0.0.1:{port}/api/query"
    settings.DAILYPAPERS_ARXIV_SUBMIT_TIMEOUT = 0.5
    r = _post(live_server, "/api/papers/index", {"arxivId": "2401.00001"}, token)
    assert r.status_code == 202 and r.json()["status"] == "pending"
    for bad in ({"arxivId": "2401.00001v2"}, {"arxivId": "hep-th/9711200"}, {"arxivId": 5}, {}, "x"):
        assert _post(live_server, "/api/papers/index", bad, token).status_code == 400, bad
    assert _post(live_server, "/api/papers/index", {"arxivId": "2401.00001"}).status_code == 401
    assert not DailyEntry.objects.filter(paper_id="2401.00001").exists()
