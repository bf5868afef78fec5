"""``huggingface_hub``'s own papers test cases, against a live Daily Papers server.

Re-created from github.com/huggingface/huggingface_hub, commit ee0a4510f4bc15e26cb722be2efc2bdb01383ca0
(2026-08-20): ``tests/test_hf_api.py::TestPaperApi`` and ``tests/test_cli.py::TestPapersCommand``.
The installed wheel ships no tests, and its code is not copied here: each case below makes the
same calls and the same assertions as the original of the same name, with two differences, said
once here. The client points at this site (``HfApi(endpoint=live_server.url)``, ``HF_ENDPOINT`` for
the CLI) instead of huggingface.co; and where the CLI cases patch ``get_hf_api`` with a mock, these
run the real ``hf`` command, so the request goes over HTTP to this site and what it prints is what
the site answered (the mock's call-argument checks become checks of what the site returned).

The catalogue holds the papers the cases name (2407.21783 "The Llama 3 Herd of Models", 2601.15621
with linked models and Spaces, eleven papers on the page of 2025-10-29, a submitter ``akhaliq``
whose full name is "AK"): stand-in records with the Hub's ids, titles and dates, not copies of the
Hub's data. docs/hf-api.md lists where the site's semantics differ.
"""

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import BadRequestError, HfHubHTTPError
from huggingface_hub.hf_api import DatasetInfo, ModelInfo, SpaceInfo

from dailypapers.enrichment.services import enrich
from dailypapers.ingest.pipeline import IngestPipeline, SourceItem
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.search import get_backend

pytestmark = pytest.mark.django_db(transaction=True)
HF = str(Path(sys.executable).with_name("hf"))


def _records() -> list[dict]:
    records = [
        {"id": "2407.21783", "title": "The Llama 3 Herd of Models", "abstract": "Modern artificial intelligence systems are "
         "powered by foundation models. This paper presents a new set of foundation models, called Llama 3.",
         "authors": ["Abhimanyu Dubey", "Abhinav Jauhri"], "categories": ["cs.AI"], "published": "2024-07-31", "upvotes": 50,
         "daily_date": "2024-08-01", "daily_submitted_at": "2024-08-01T08:00:00Z"},
        {"id": "2601.15621", "title": "A paper with linked repositories", "abstract": "We release the model at "
         "https://huggingface.co/acme/linked-model and a demo at https://huggingface.co/spaces/acme/linked-demo.",
         "authors": ["A. Author"], "categories": ["cs.CL"], "published": "2026-01-21"},
        {"id": "2502.08025", "title": "Attention Is All You Need, again", "abstract": "Attention and diffusion.",
         "authors": ["B. Author"], "categories": ["cs.LG"], "published": "2025-02-12",
         "daily_date": "2025-02-24", "daily_submitted_at": "2025-02-24T09:00:00Z"},
    ]
    today = dt.datetime.now(dt.timezone.utc)
    records.append({  # today's page, so that trending (the last 14 days here) has a paper
        "id": "2612.00001", "title": "Today's paper on trending", "abstract": "A recent result.", "authors": ["C. Author"],
        "categories": ["cs.LG"], "published": f"{today:%Y-%m-%d}", "upvotes": 5,
        "daily_date": f"{today:%Y-%m-%d}", "daily_submitted_at": f"{today:%Y-%m-%dT%H:%M:%SZ}",
    })
    for i in range(11):  # the page of 2025-10-29: more than the cases' limit of 10
        records.append({
            "id": f"2510.2{i:04d}", "title": f"Paper {i} of October 29 on diffusion", "abstract": f"Diffusion study number {i}.",
            "authors": [f"Author {i}"], "categories": ["cs.CV"], "published": "2025-10-28", "upvotes": i,
            "daily_date": "2025-10-29", "daily_submitted_at": f"2025-10-29T{6 + i:02d}:00:00Z",
        })
    return records


@pytest.fixture
def hub_like(db, django_user_model, settings, tmp_path):
    from dailypapers.search import reset_backend

    settings.DATA_DIR = tmp_path
    reset_backend()
    report = IngestPipeline("jsonl").run(SourceItem(location=f"record {i}", data=r) for i, r in enumerate(_records()))
    assert report.rejected == 0, report.rejections
    ak = django_user_model.objects.create_user(username="akhaliq", first_name="AK", password="long-enough-9")
    DailyEntry.objects.filter(date=dt.date(2025, 10, 29)).update(submitted_by=ak)
    enrich(list(Paper.objects.values_list("pk", flat=True)))  # what the worker does as papers arrive
    get_backend().process_pending_updates()
    yield
    reset_backend()


@pytest.fixture
def api(live_server, hub_like, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    return HfApi(endpoint=live_server.url, token=False)


# -- TestPaperApi ------------------------------------------------------------------------------
def test_papers_by_query(api):
    papers = list(api.list_papers(query="llama"))
    assert len(papers) > 0
    assert "The Llama 3 Herd of Models" in [paper.title for paper in papers]


def test_papers_by_query_with_limit(api):
    papers = list(api.list_papers(query="diffusion", limit=2))  # the original searches "llama": one paper here
    assert len(papers) == 2


def test_get_paper_by_id_success(api):
    assert api.paper_info("2407.21783").title == "The Llama 3 Herd of Models"


def test_get_paper_by_id_returns_linked_repos(api):
    paper = api.paper_info("2601.15621")
    assert paper.linked_models is not None and len(paper.linked_models) > 0
    assert all(isinstance(m, ModelInfo) for m in paper.linked_models)
    assert paper.num_total_models is not None and paper.num_total_models > 0
    assert paper.linked_datasets is not None
    assert all(isinstance(d, DatasetInfo) for d in paper.linked_datasets)
    assert paper.num_total_datasets is not None
    assert paper.linked_spaces is not None and len(paper.linked_spaces) > 0
    assert all(isinstance(s, SpaceInfo) for s in paper.linked_spaces)


def test_get_paper_by_id_not_found(api):
    with pytest.raises(HfHubHTTPError) as context:
        api.paper_info("1234.56789")
    assert context.value.response.status_code == 404


def test_list_daily_papers_by_date(api):
    papers = list(api.list_daily_papers(date="2025-10-29"))
    assert len(papers) > 0 and hasattr(papers[0], "id") and hasattr(papers[0], "title")


def test_list_daily_papers_by_date_invalid_date(api):
    with pytest.raises(BadRequestError):
        list(api.list_daily_papers(date="2025-13-40"))


def test_list_daily_papers_default_date(api):
    papers = list(api.list_daily_papers())
    assert len(papers) > 0 and hasattr(papers[0], "id") and hasattr(papers[0], "title")


def test_list_daily_papers_week(api):
    week = 44
    papers = list(api.list_daily_papers(week=f"2025-W{week}"))
    assert len(papers) > 0
    week_start = dt.datetime.fromisocalendar(2025, week - 1, 5).replace(tzinfo=dt.timezone.utc)  # Friday before
    week_end = dt.datetime.fromisocalendar(2025, week, 7).replace(tzinfo=dt.timezone.utc)
    assert week_start <= papers[0].submitted_at <= week_end
    assert week_start <= papers[-1].submitted_at <= week_end


def test_list_daily_papers_month(api):
    month = 10
    papers = list(api.list_daily_papers(month=f"2025-{month}"))
    assert len(papers) > 0
    month_start = dt.datetime(2025, month, 1, tzinfo=dt.timezone.utc) - dt.timedelta(days=1)
    month_end = dt.datetime(2025, month + 1, 1, tzinfo=dt.timezone.utc) - dt.timedelta(days=1)
    assert month_start <= papers[0].submitted_at <= month_end
    assert month_start <= papers[-1].submitted_at <= month_end


def test_daily_papers_submitter(api):
    papers = list(api.list_daily_papers(submitter="akhaliq"))
    assert len(papers) > 0
    assert papers[0].submitted_by.fullname == "AK"


def test_daily_papers_p(api):
    assert len(list(api.list_daily_papers(date="2025-10-29", p=100))) == 0


def test_daily_papers_limit(api):
    assert len(list(api.list_daily_papers(date="2025-10-29", limit=10))) == 10


# -- TestPapersCommand, the real `hf` command over HTTP ------------------------------------------
@pytest.fixture
def hf_cli(live_server, hub_like, tmp_path):
    env = {**os.environ, "HF_ENDPOINT": live_server.url, "HF_HOME": str(tmp_path / "hf-home"), "NO_COLOR": "1"}
    env.pop("HF_HUB_OFFLINE", None)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([HF, "papers", *args], capture_output=True, text=True, env=env, timeout=60)

    return run


def test_cli_ls_basic(hf_cli):
    result = hf_cli("ls", "--format", "json")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    newest = DailyEntry.objects.order_by("-submitted_at").first().paper
    assert output[0]["id"] == newest.id and output[0]["title"] == newest.title


@pytest.mark.parametrize(
    "args, expected_ids",
    [  # the original checks the argument reached list_daily_papers; here, that the site applied it
        (["--sort", "trending"], {"2612.00001"}),  # this site's trending window is 14 days
        (["--date", "2024-08-01"], {"2407.21783"}),
        (["--week", "2025-W09"], {"2502.08025"}),
        (["--month", "2025-02"], {"2502.08025"}),
        (["--submitter", "akhaliq"], {f"2510.2{i:04d}" for i in range(11)}),
    ],
)
def test_cli_ls_with_filters(hf_cli, args, expected_ids):
    result = hf_cli("ls", *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert {p["id"] for p in json.loads(result.stdout)} == expected_ids


def test_cli_ls_invalid_sort(hf_cli):
    result = hf_cli("ls", "--sort", "invalid")
    assert result.returncode == 2 and "Invalid value" in result.stdout + result.stderr


def test_cli_ls_quiet(hf_cli):
    result = hf_cli("ls", "--date", "2024-08-01", "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2407.21783"


def test_cli_search_basic_and_limit(hf_cli):
    result = hf_cli("search", "llama", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["id"] == "2407.21783"
    result = hf_cli("search", "diffusion", "--limit", "5", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 5


def test_cli_info_basic_and_not_found(hf_cli):
    result = hf_cli("info", "2407.21783")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["id"] == "2407.21783"
    result = hf_cli("info", "0000.00000")
    assert result.returncode == 1 and "not found" in (result.stdout + result.stderr).lower()


def test_cli_read_basic_and_not_found(hf_cli):
    result = hf_cli("read", "2407.21783")
    assert result.returncode == 0, result.stderr
    assert "The Llama 3 Herd of Models" in result.stdout
    result = hf_cli("read", "0000.00000")
    assert result.returncode == 1 and "not found" in (result.stdout + result.stderr).lower()
