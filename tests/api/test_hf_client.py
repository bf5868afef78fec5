"""The real ``huggingface_hub`` client against a live Daily Papers server."""

import datetime as dt

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.hf_api import Organization, PaperAuthor, PaperInfo, User

from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.papers.periods import period_containing
from dailypapers.papers.ranking import TrendingRanker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hf(live_server, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    return HfApi(endpoint=live_server.url, token=False)


def assert_paper_types(info: PaperInfo, *, daily: bool) -> None:
    """Every field the client parses has the type it documents."""
    paper = Paper.objects.get(pk=info.id)
    assert isinstance(info.id, str)
    assert info.title == paper.title and info.summary == paper.abstract
    assert isinstance(info.upvotes, int) and info.upvotes == paper.upvotes
    assert isinstance(info.discussion_id, str)
    assert isinstance(info.comments, int)
    assert isinstance(info.published_at, dt.datetime) and info.published_at.tzinfo is not None
    names = [a.author.name for a in paper.authorships.order_by("position")]
    if names:
        assert all(isinstance(a, PaperAuthor) and isinstance(a.hidden, bool) for a in info.authors)
        assert [a.name for a in info.authors] == names
    for author in info.authors or []:
        assert author.user is None or (isinstance(author.user, User) and isinstance(author.user.username, str))
    if paper.published_at:
        assert info.published_at == paper.published_at
    entry = DailyEntry.objects.filter(paper=paper).first()
    if daily or entry:
        assert isinstance(info.submitted_at, dt.datetime) and info.submitted_at == entry.submitted_at
    if entry and entry.submitted_by:
        assert isinstance(info.submitted_by, User) and info.submitted_by.username == entry.submitted_by.username
        assert isinstance(info.submitted_by.avatar_url, str) and isinstance(info.submitted_by.fullname, str)
    else:
        assert info.submitted_by is None
    if paper.organization:
        assert isinstance(info.organization, Organization)
        assert (info.organization.name, info.organization.fullname) == (paper.organization.slug, paper.organization.name)
    assert info.github_repo == (paper.github_repo or None)
    assert info.project_page == (paper.project_page or None)
    assert info.github_stars is None or isinstance(info.github_stars, int)
    assert info.ai_keywords is None or all(isinstance(k, str) for k in info.ai_keywords)


def test_list_daily_papers_default_is_newest_on_the_pages_first(hf, catalog):
    papers = list(hf.list_daily_papers())
    expected = list(DailyEntry.objects.order_by("-submitted_at").values_list("paper_id", flat=True))
    assert [p.id for p in papers] == expected
    for info in papers:
        assert_paper_types(info, daily=True)
    lora = next(p for p in papers if p.id == "2106.09685")
    assert lora.submitted_by.username == "ada"
    mrl = next(p for p in papers if p.id == "2205.13147")
    assert mrl.authors[0].user.username == "ada"  # the claimed author
    assert mrl.github_repo == "https://github.com/RAIVNLab/MRL"


def test_list_daily_papers_by_date_week_and_month(hf, catalog):
    today = catalog
    assert {p.id for p in hf.list_daily_papers(date=today.isoformat())} == {"2205.13147", "1706.03762"}
    assert list(hf.list_daily_papers(date="1999-01-01")) == []
    for kind, param in (("week", "week"), ("month", "month")):
        period = period_containing(kind, today)
        expected = set(
            DailyEntry.objects.filter(date__gte=period.start, date__lte=period.end).values_list("paper_id", flat=True)
        )
        got = {p.id for p in hf.list_daily_papers(**{param: period.key})}
        assert got == expected and got


def test_list_daily_papers_by_submitter(hf, catalog):
    assert [p.id for p in hf.list_daily_papers(submitter="ada")] == ["2106.09685"]
    assert list(hf.list_daily_papers(submitter="nobody")) == []


def test_list_daily_papers_sorted_by_trending(hf, catalog):
    ranked = TrendingRanker.from_settings().rank(DailyEntry.objects.all())
    got = [p.id for p in hf.list_daily_papers(sort="trending")]
    assert got == [e.paper_id for e in ranked]
    assert "hep-th/9711200" not in got  # outside the trending window
    assert [p.id for p in hf.list_daily_papers(sort="publishedAt")][0] == "2205.13147"


def test_list_daily_papers_pages_with_p_and_limit(hf, catalog):
    everything = [p.id for p in hf.list_daily_papers(limit=100)]
    pages = [[p.id for p in hf.list_daily_papers(p=n, limit=2)] for n in range(4)]
    assert [len(page) for page in pages] == [2, 2, 1, 0]
    assert sum(pages, []) == everything


@pytest.mark.parametrize(
    "params, message",
    [
        ({"limit": 0}, "limit must be between 1 and 100"),
        ({"limit": 101}, "limit must be between 1 and 100"),
        ({"p": -1}, "p must be"),
        ({"date": "2024-13-45"}, "not a valid day"),
        ({"week": "2024-W99"}, "not a valid week"),
        ({"date": "2024-01-01", "month": "2024-01"}, "at most one of date, week and month"),
        ({"sort": "upvotes"}, "sort must be publishedAt or trending"),
    ],
)
def test_list_daily_papers_rejects_bad_parameters_with_a_message(hf, catalog, params, message):
    with pytest.raises(HfHubHTTPError) as caught:
        list(hf.list_daily_papers(**params))
    assert caught.value.response.status_code == 400
    assert message in caught.value.response.json()["error"]


def test_list_papers_searches_through_the_backend(hf, catalog):
    found = list(hf.list_papers(query="matryoshka representation"))
    assert found[0].id == "2205.13147"
    for info in found:
        assert_paper_types(info, daily=False)
    assert len(list(hf.list_papers(query="transformer", limit=1))) == 1
    assert list(hf.list_papers(query="zzyzx qwertyuiop")) == []
    # No query: the newest daily papers, like the Hub.
    assert [p.id for p in hf.list_papers(limit=2)] == ["2205.13147", "1706.03762"]


def test_list_papers_corrects_typos_and_says_how(hf, catalog):
    # The Hub's answer is a list: each item carries the corrected query, which the client keeps.
    found = list(hf.list_papers(query="matryoshka represntation"))
    assert found[0].id == "2205.13147" and found[0].didYouMean == "matryoshka representation"
    for info in found:
        assert_paper_types(info, daily=False)
    assert not hasattr(next(iter(hf.list_papers(query="matryoshka representation"))), "didYouMean")


def test_list_papers_rejects_long_queries_and_bad_limits(hf, catalog):
    for kwargs in ({"query": "x" * 251}, {"query": "lora", "limit": 121}, {"query": "lora", "limit": 0}):
        with pytest.raises(HfHubHTTPError) as caught:
            list(hf.list_papers(**kwargs))
        assert caught.value.response.status_code == 400


def test_paper_info_and_its_404(hf, catalog):
    info = hf.paper_info("1706.03762")
    assert_paper_types(info, daily=False)
    assert info.organization.name == "google"
    old_style = hf.paper_info("hep-th/9711200")
    assert old_style.authors[0].name == "Juan M. Maldacena"
    no_entry = hf.paper_info("2005.14165")
    assert no_entry.submitted_at is None and no_entry.authors[1].name == "Benjamin Mann"
    with pytest.raises(HfHubHTTPError) as caught:
        hf.paper_info("2401.99999")
    assert caught.value.response.status_code == 404
    assert caught.value.response.json() == {"error": "Paper not found"}


def test_the_client_reads_claim_status_and_user_of_authors(hf, catalog, django_user_model):
    """A claim approved through accounts.claims shows in ``PaperAuthor.status`` and ``.user``."""
    from dailypapers.accounts import claims
    from dailypapers.papers.models import Authorship

    grace = django_user_model.objects.create_user(username="grace", first_name="Grace", last_name="Hopper", password="correct-horse-9")
    admin = django_user_model.objects.create_superuser(username="root", password="correct-horse-9")
    before = hf.paper_info("1706.03762")
    assert all(a.status is None and a.user is None for a in before.authors)
    claim = claims.claim_authorship(grace, Authorship.objects.select_related("author").get(paper_id="1706.03762", position=1))
    assert hf.paper_info("1706.03762").authors[1].status is None  # pending: nothing to report yet
    claims.approve(claim, by=admin)
    authors = hf.paper_info("1706.03762").authors
    assert authors[1].name == "Noam Shazeer" and authors[1].status == "claimed_verified"
    assert isinstance(authors[1].user, User) and authors[1].user.username == "grace" and authors[1].user.fullname == "Grace Hopper"
    assert authors[1].user.avatar_url == f"{hf.endpoint}/u/grace/avatar"  # absolute, as the Hub's
    assert [a.status for a in authors if a is not authors[1]] == [None] * (len(authors) - 1)
    daily = next(p for p in hf.list_daily_papers(date=catalog.isoformat()) if p.id == "1706.03762")
    assert daily.authors[1].user.username == "grace"


def test_read_paper_returns_the_page_as_markdown(hf, catalog, live_server):
    text = hf.read_paper("2106.09685")
    assert text.startswith("# LoRA: Low-Rank Adaptation of Large Language Models\n")
    assert "Authors: Edward J. Hu, Yelong Shen, Phillip Wallis" in text
    assert "[arXiv](https://arxiv.org/abs/2106.09685)" in text and "[Code](https://github.com/microsoft/LoRA)" in text
    assert f"[Paper page]({live_server.url}/papers/2106.09685)" in text
    assert "injects trainable rank decomposition matrices" in text
    assert "Juan M. Maldacena" in hf.read_paper("hep-th/9711200")
    with pytest.raises(HfHubHTTPError) as caught:
        hf.read_paper("2401.99999")
    assert caught.value.response.status_code == 404


def test_markdown_carries_outside_text_inert(client, catalog):
    """A title with a link, an abstract with HTML, and a code URL that tries to close its link early
    (an outside tester's `https://x)[evil](javascript:alert(1))`) stay text in `/papers/{id}.md`."""
    import re

    from markdown_it import MarkdownIt

    from dailypapers.papers.models import Paper

    Paper.objects.filter(pk="2106.09685").update(
        title="LoRA [click](javascript:alert(1)) *bold*",
        abstract="We show p<0.05 and <img src=x onerror=alert(2)> and [a](javascript:alert(3)); $O(n \\log n)$.",
        github_repo="https://x)[evil](javascript:alert(1))",
        project_page="https://example.org/a)b(c <d>",
    )
    text = client.get("/papers/2106.09685.md").content.decode()
    html = MarkdownIt("commonmark").render(text)
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert not any("javascript:" in h and not h.startswith("https://") for h in hrefs), hrefs
    assert not any("evil" in h for h in hrefs)  # urlsplit refuses that URL: no code link at all
    assert 'href="https://example.org/a%29b%28c%20%3Cd%3E"' in html  # one link, destination encoded
    assert "<img" not in html and "<em>" not in html and "<strong>" not in html
    assert "p&lt;0.05" in html and "O(n log" in html and "\\log" not in html  # math as readable text
