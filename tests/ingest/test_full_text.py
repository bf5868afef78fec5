"""Full text from arXiv's HTML: a real recorded LaTeXML page (2501.11120v1, fixtures/real/README.md)
converted to markdown, stored by the worker, served at /papers/<id>.md, to ``hf papers read`` and as
the paper's reading view."""

import datetime as dt
import gzip
import socket
import time
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from dailypapers.ingest.fulltext import NoDocument, fetch_full_text, fetch_recent_full_texts, html_to_markdown
from dailypapers.papers.models import DailyEntry, Paper, PaperFullText
from tests.ingest.fixture_server import FixtureServer

REAL = Path(__file__).parent / "fixtures" / "real"
PAGE = gzip.decompress((REAL / "arxiv_html_2501.11120v1.html.gz").read_bytes())
PAPER_ID = "2501.11120"
LICENSE = "http://creativecommons.org/licenses/by/4.0/"


@pytest.fixture(scope="module")
def converted():
    return html_to_markdown(PAGE, f"https://arxiv.org/html/{PAPER_ID}")


def test_the_real_page_becomes_markdown_with_its_outline(converted):
    md = converted.markdown
    assert converted.title == "Tell me about yourself: LLMs are aware of their learned behaviors"
    assert md.startswith("# Tell me about yourself: LLMs are aware of their learned behaviors\n\n## Abstract\n\nWe study *behavioral self-awareness*")
    outline = [(s["level"], s["title"], s["anchor"]) for s in converted.sections]
    assert (2, "1 Introduction", "S1") in outline and (3, "3.1 Finetuning on multiple-choice responses (economic decisions)", "S3.SS1") in outline
    assert (4, "3.1.1 Design", "S3.SS1.SSS1") in outline and outline[-1][1] != "References" or (2, "References", "bib") in outline
    assert "\n## 1 Introduction\n" in md and "\n### 3.1 Finetuning on multiple-choice responses (economic decisions)\n" in md
    # arXiv's furniture is gone: the navigation's table of contents, the footer, the authors' block.
    assert "Generated on" not in md and md.count("1 Introduction") == 1 and "jan.betley@gmail.com" not in md.split("[^1]:")[0]


def test_math_stays_tex_from_the_annotation(converted):
    md = converted.markdown
    assert "a latent policy $z\\in Z$ and two data generating distributions $\\varphi_{T}$ and $\\varphi_{E}$" in md
    assert "$D=\\{d^{n}\\}_{n=1}^{N}$" in md
    assert "<math" not in md and "MathML" not in md  # no markup of arXiv's left


def test_figures_are_links_to_arxiv_and_tables_are_tables(converted):
    md = converted.markdown
    assert "![Figure 1: **Models can describe a learned behavioral policy that is only implicit in finetuning.** We finetune" in md
    assert "](https://arxiv.org/html/2501.11120v1/x1.png)" in md  # the page's <base>: the version's folder
    assert md.count("](https://arxiv.org/html/2501.11120v1/") == 53  # x1.png …, extracted/6141037/figures/…
    assert "| Economic decisions (Section 3.1) | “A” or “B” | Economic preference |" in md
    assert "*Table 1: Overview of experiments for evaluating behavioral self-awareness." in md
    assert "| Rate of outputting secure code | 0.14 $\\pm$ 0.01 | 0.88 $\\pm$ 0.01 | 0.74 |" in md


def test_references_and_footnotes_are_parsed(converted):
    assert len(converted.references) == 48
    first = converted.references[0]
    assert first["anchor"] == "bib.bib1" and first["text"].startswith("AI@Meta (2024) AI@Meta. Llama 3 model card.")
    md = converted.markdown
    assert "\n## References\n\n- AI@Meta (2024) AI@Meta. Llama 3 model card." in md
    assert "\n[^2]: We replicate some of our experiments on open-weight models" in md


def test_text_is_escaped_and_a_page_without_a_document_is_not_a_paper():
    page = b"""<html><body><article class="ltx_document"><h1 class="ltx_title_document">T</h1>
    <div class="ltx_para"><p class="ltx_p">&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1)) *not bold* costs $5</p>
    <a href="javascript:alert(1)">click</a></div></article></body></html>"""
    md = html_to_markdown(page, "https://arxiv.org/html/2401.00001").markdown
    assert "\\<script>" in md and "\\[x\\](javascript:alert(1))" in md and "\\*not bold\\*" in md and "costs \\$5" in md
    assert "](javascript:" not in md.replace("\\](javascript:", "")
    with pytest.raises(NoDocument):
        html_to_markdown(b"<html><body><h1>No HTML for this paper</h1></body></html>", "https://arxiv.org/html/x")


# -- fetched and served ------------------------------------------------------------------------------


@pytest.fixture
def arxiv_html(settings):
    settings.DAILYPAPERS_ARXIV_REQUEST_DELAY = 0
    settings.DAILYPAPERS_ARXIV_TIMEOUT = 5
    answers = {f"/html/{PAPER_ID}": (200, {"Content-Type": "text/html; charset=utf-8"}, PAGE),
               "/html/2401.00002": (503, {}, b"")}  # fmt: skip

    def handler(path, query):
        return answers.get(path, (404, {"Content-Type": "text/html"}, b"<html><body>No HTML for this paper</body></html>"))

    with FixtureServer(handler) as server:
        settings.DAILYPAPERS_ARXIV_HTML_URL = server.url + "/html/{id}"
        yield server


def paper(paper_id=PAPER_ID, **fields):
    defaults = {"title": "Tell me about yourself", "abstract": "We study behavioral self-awareness.", "license": LICENSE,
                "version": 1, "published_at": timezone.now()}  # fmt: skip
    return Paper.objects.create(id=paper_id, **{**defaults, **fields})


@pytest.mark.django_db(transaction=True)
def test_the_worker_stores_the_full_text_once_with_its_licence(arxiv_html, settings, member):
    tell_me, without_html, busy = paper(), paper("2401.00001", title="No HTML"), paper("2401.00002", title="Busy")
    for p in (tell_me, without_html, busy):
        DailyEntry.objects.create(paper=p, date=timezone.localdate(), submitted_by=member, submitted_at=timezone.now())
    run = fetch_recent_full_texts(days=3, limit=10)
    assert run.summary() == "1 full texts, 1 without HTML, 1 failed"
    stored = PaperFullText.objects.get(pk=PAPER_ID)
    assert stored.status == "ok" and stored.license == LICENSE and stored.version == 1
    assert stored.source_url.endswith(f"/html/{PAPER_ID}") and len(stored.references) == 48
    assert PaperFullText.objects.get(pk="2401.00001").status == "no_html"
    assert PaperFullText.objects.get(pk="2401.00002").error == "arXiv answered HTTP 503"
    headers = arxiv_html.headers[0]
    assert headers["User-Agent"] == settings.DAILYPAPERS_ARXIV_USER_AGENT and "text/html" in headers["Accept"]

    requests_so_far = len(arxiv_html.paths)
    assert fetch_recent_full_texts(days=3, limit=10).summary() == "0 full texts, 0 without HTML, 0 failed"  # cached
    assert len(arxiv_html.paths) == requests_so_far
    Paper.objects.filter(pk=PAPER_ID).update(version=2)  # a new version: fetched again
    PaperFullText.objects.filter(pk="2401.00002").update(fetched_at=timezone.now() - dt.timedelta(days=2))
    assert fetch_recent_full_texts(days=3, limit=10).summary() == "1 full texts, 0 without HTML, 1 failed"
    assert PaperFullText.objects.get(pk=PAPER_ID).version == 2


@pytest.mark.django_db(transaction=True)
def test_an_html_server_that_never_answers_stalls_nothing(settings):
    settings.DAILYPAPERS_ARXIV_REQUEST_DELAY = 0
    settings.DAILYPAPERS_ARXIV_TIMEOUT = 0.5
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        settings.DAILYPAPERS_ARXIV_HTML_URL = f"http://127.0.0.1:{silent.getsockname()[1]}/html/{{id}}"
        started = time.monotonic()
        stored = fetch_full_text(paper())
        assert time.monotonic() - started < 3
    assert stored.status == "failed" and "no answer" in stored.error


@pytest.mark.django_db(transaction=True)
def test_the_markdown_the_reading_view_and_the_paper_page(arxiv_html):
    fetch_full_text(paper())
    client = Client()
    md = client.get(f"/papers/{PAPER_ID}.md")
    assert md.status_code == 200 and md["Content-Type"].startswith("text/markdown")
    text = md.content.decode()
    assert text.startswith("# Tell me about yourself\n") and f"Licence: {LICENSE}" in text
    assert "\n## 1 Introduction\n" in text and "$\\varphi_{T}$" in text and text.count("## Abstract") == 1

    page = client.get(f"/papers/{PAPER_ID}").content.decode()
    assert f'href="/papers/{PAPER_ID}/read"' in page and "Read the full text" in page
    read = client.get(f"/papers/{PAPER_ID}/read")
    html = read.content.decode()
    assert read.status_code == 200 and "<h2>1 Introduction</h2>" in html
    assert "<math" in html and "MATHPLACEHOLDER" not in html and "$\\varphi_{T}$" not in html  # MathML, as abstracts
    assert f'class="figure-link" href="{arxiv_html.url}/html/2501.11120v1/x1.png"' in html and "<img" not in html.split('data-testid="full-text"')[1]
    assert "<script>alert" not in html and "licence:" in html


@pytest.mark.django_db(transaction=True)
def test_a_paper_without_html_says_so(arxiv_html):
    fetch_full_text(paper("2401.00001", title="No HTML"))
    client = Client()
    assert "No HTML version on arXiv" in client.get("/papers/2401.00001").content.decode()
    read = client.get("/papers/2401.00001/read")
    assert read.status_code == 404 and "arXiv has no HTML version of this paper" in read.content.decode()
    text = client.get("/papers/2401.00001.md").content.decode()
    assert "## Abstract" in text and "Full text: arXiv has no HTML version of this paper." in text
    assert client.get("/papers/2401.09999/read").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_hf_papers_read_gets_the_full_text(arxiv_html, live_server, monkeypatch):
    from huggingface_hub import HfApi

    fetch_full_text(paper())
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    text = HfApi(endpoint=live_server.url, token=False).read_paper(PAPER_ID)  # what `hf papers read` prints
    assert "\n## 3 Awareness of behaviors\n" in text and "\n## References\n" in text


@pytest.mark.django_db(transaction=True)
def test_the_ingest_command_fetches_by_hand(arxiv_html, capsys):
    from django.core.management import CommandError, call_command

    paper(), paper("2401.00001", title="No HTML")
    call_command("ingest", "full-text", f"https://arxiv.org/abs/{PAPER_ID}v1", "2401.00001")
    out = capsys.readouterr().out
    assert f"{PAPER_ID}: ok" in out and "2401.00001: no_html (arXiv has no HTML version of this paper)" in out
    with pytest.raises(CommandError, match="no paper 2401.09999 on this site"):
        call_command("ingest", "full-text", "2401.09999")
