"""Links and keywords from real text: the bundled sample's abstracts (as listed on public "Daily
Papers" pages), the 200 real arXiv records, and a real OAI page harvested through the real pipeline."""

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from dailypapers.enrichment.keywords import extract_keywords
from dailypapers.enrichment.links import FoundLink, classify, find_links
from dailypapers.ingest.pipeline import IngestPipeline
from dailypapers.ingest.sources.arxiv_oai import OaiHarvest
from dailypapers.papers.models import Paper, PaperLink
from tests.ingest.fixture_server import XML, FixtureServer

DATA = Path(__file__).resolve().parents[2] / "src" / "dailypapers" / "data"
REAL = Path(__file__).resolve().parents[1] / "ingest" / "fixtures" / "real"


def _sample():
    return [json.loads(line) for line in (DATA / "sample_papers.jsonl").read_text().splitlines()]


def test_every_github_repository_in_the_real_sample_abstracts_is_found_once_and_clean():
    abstracts = [p["abstract"] for p in _sample()]
    with_repo = [a for a in abstracts if re.search(r"github\.com/[\w.-]+/[\w.-]+", a)]
    assert len(with_repo) >= 80  # the sample is ML papers: most announce code
    for abstract in with_repo:
        code = [link for link in find_links(abstract) if link.kind == "code"]
        assert code, abstract[-200:]
        for link in code:
            # no sentence punctuation, no "{…}" of LaTeX's \href, no ".git", no /tree/main/… path
            assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w-]+(?:\.[\w-]+)*", link.url), link.url
            assert not link.url.endswith((".", ".git")) and link.repo_id == link.url.removeprefix("https://github.com/")


@pytest.mark.parametrize(
    "text, expected",
    [  # phrases as they stand in the sample's real abstracts
        ("Code is available at https://github.com/selfsupervised-ai/Natural-GaLore.git", ("code", "https://github.com/selfsupervised-ai/Natural-GaLore")),
        ("released at https://github.com/SKDDJ/LoLDU{https://github.com/SKDDJ/LoLDU}.", ("code", "https://github.com/SKDDJ/LoLDU")),
        ("at https://github.com/AlibabaResearch/DAMO-ConvAI/tree/main/space-2.", ("code", "https://github.com/AlibabaResearch/DAMO-ConvAI")),
        ("see https://step-law.github.io/", ("project", "https://step-law.github.io")),
        ("https://wukong-dataset.github.io/wukong-dataset/.", ("project", "https://wukong-dataset.github.io/wukong-dataset")),
        ("Project page: https://www.example.org/proj/ (v2)", ("project", "https://example.org/proj")),
        ("weights at https://huggingface.co/meta-llama/Llama-3.1-8B.", ("model", "https://huggingface.co/meta-llama/Llama-3.1-8B")),
        ("data: hf.co/datasets/allenai/c4, demo huggingface.co/spaces/a/b", ("dataset", "https://huggingface.co/datasets/allenai/c4")),
        ("https://gitlab.com/group/sub/project/-/tree/main", ("code", "https://gitlab.com/group/sub/project")),
    ],
)
def test_classified_as_the_hub_shows_them(text, expected):
    assert (find_links(text)[0].kind, find_links(text)[0].url) == expected


@pytest.mark.parametrize(
    "text",
    [
        "the org page https://huggingface.co/inclusionAI.",  # a real abstract's organization page, not a repository
        "see https://github.com/features/copilot and https://github.com/karpathy",
        "data from https://archive.stsci.edu/missions and doi https://doi.org/10.1/x",
        "published at https://www.journal.org/article/1",  # no cue: not claimed as the paper's page
        "Project page: https://arxiv.org/abs/2401.00001",
    ],
)
def test_what_is_not_the_papers_own(text):
    assert [link for link in find_links(text) if link.kind != "dataset"] == []


def test_classify_refuses_junk():
    assert classify("https://") is None and classify("not a url") is None and classify("https://github.com/a b/c") is None
    assert classify("https://huggingface.co/papers/2401.00001") is None
    assert classify("https://huggingface.co/spaces/x/y") == FoundLink("space", "https://huggingface.co/spaces/x/y", "x/y")


@pytest.mark.django_db(transaction=True)
def test_a_real_harvested_record_gets_its_code_link_and_keywords_from_the_worker(settings):
    settings.DAILYPAPERS_ARXIV_REQUEST_DELAY = 0
    page = (REAL / "oaipmh_arxiv_org_listrecords_arxivraw_2024-03-05_page1.xml").read_text()
    page = re.sub(r"<resumptionToken[^>]*>[^<]*</resumptionToken>", "", page)  # this page alone, not the next

    with FixtureServer(lambda path, query: (200, XML, page.encode())) as server:
        settings.DAILYPAPERS_ARXIV_OAI_URL = server.url
        day = dt.date(2024, 3, 5)
        harvest = OaiHarvest("", from_date=day, until=day)
        IngestPipeline("arxiv-oai", detail=harvest.detail).run(harvest.items())
    assert Paper.objects.get(pk="1907.01743").github_repo == ""  # nothing yet: the worker does it
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    paper = Paper.objects.get(pk="1907.01743")
    assert paper.github_repo == "https://github.com/wulalago/DAF3D" and paper.has_code
    link = paper.links.get()
    assert (link.kind, link.origin, link.repo_id) == ("code", "abstract", "wulalago/DAF3D")
    assert "prostate segmentation" in paper.keywords and len(paper.keywords) <= 6
    others = Paper.objects.exclude(pk="1907.01743")
    assert others.count() == 2 and not others.exclude(github_repo="").exists()
    assert all(p.keywords for p in others)  # every paper, code or not, gets keywords


@pytest.mark.django_db
def test_the_back_catalogue_command_on_the_real_records(arxiv_records, sample_papers):
    assert not Paper.objects.exclude(keywords=[]).exists()  # the receiver only queued them: no worker ran
    call_command("enrich", verbosity=0)
    papers = list(Paper.objects.all())
    assert len(papers) == 513
    without = [p.pk for p in papers if not p.keywords]
    assert without == []
    sample = [p for p in papers if p.source == "sample"]
    coded = [p for p in sample if p.has_code]
    assert len(coded) >= 80 and all(p.github_repo.startswith("https://github.com/") for p in coded)
    assert PaperLink.objects.filter(kind="code").count() >= len(coded)
    # arXiv's first 200 papers of 2007 announce no code; none is invented for them.
    assert not Paper.objects.filter(source="snapshot").exclude(github_repo="").exists()
    # The diphoton paper (0704.0001): keywords a physicist would search for.
    assert "LHC energies" in Paper.objects.get(pk="0704.0001").keywords
    # A second run changes nothing.
    from dailypapers.enrichment.services import enrich

    report = enrich([p.pk for p in papers])
    assert (report.papers, report.keywords, report.links) == (513, 0, 0)


def test_keywords_of_real_abstracts():
    records = [json.loads(line) for line in (DATA / "arxiv_records_0704.0001-0200.jsonl").read_text().splitlines()]
    first = records[0]
    words = extract_keywords(first["title"], first["abstract"])
    assert words[:2] == ["production cross sections", "prompt diphoton production"]
    for record in records + _sample():
        words = extract_keywords(record["title"], record["abstract"])
        assert 1 <= len(words) <= 6
        assert all("$" not in w and "\\" not in w and "http" not in w for w in words)
        for i, w in enumerate(words):  # no two say the same thing
            assert all(len(set(w.lower().split()) & set(v.lower().split())) * 2 < len(w.split()) for v in words[:i])
    assert extract_keywords("", "") == [] and extract_keywords("$x$", "$$y$$") == []
