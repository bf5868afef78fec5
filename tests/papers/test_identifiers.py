"""papers.identifiers: every accepted and rejected form, and the same answer from every caller."""

import datetime as dt

import pytest
from django.http import Http404
from django.test import RequestFactory
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import timezone

from dailypapers.api.feeds import CategoryFeed
from dailypapers.digests.services import SubscriptionError, clean_categories
from dailypapers.ingest.pipeline import (
    IngestPipeline,
    RecordRejected,
    SourceItem,
    normalize_record,
    parse_categories,
)
from dailypapers.papers.identifiers import (
    InvalidIdentifier,
    NotAnArxivId,
    arxiv_id_in,
    is_arxiv_id,
    is_category,
    is_organization_slug,
    is_paper_id,
    parse_arxiv_reference,
    parse_paper_id,
    sample_paper_id,
)
from dailypapers.papers.models import Organization, Paper
from dailypapers.search.params import InvalidSearch, filters_from_params

ARXIV_FORMS = [
    # new style, 4- and 5-digit numbers, versions
    ("2406.01234", ("2406.01234", None)),
    ("0704.0001", ("0704.0001", None)),
    ("2406.01234v7", ("2406.01234", 7)),
    ("2406.01234V7", ("2406.01234", 7)),
    ("1412.9999v1234", ("1412.9999", 1234)),
    # old style, versions, any case (normalized: archive lower, subject class upper)
    ("hep-th/9901001", ("hep-th/9901001", None)),
    ("math.GT/0309136v2", ("math.GT/0309136", 2)),
    ("HEP-TH/9901001", ("hep-th/9901001", None)),
    ("math.gt/0309136", ("math.GT/0309136", None)),
    # arXiv: prefix, any case, optional space
    ("arXiv:0704.0001", ("0704.0001", None)),
    ("ARXIV:2406.01234v2", ("2406.01234", 2)),
    ("arxiv: hep-th/9901001", ("hep-th/9901001", None)),
    # surrounding whitespace
    ("  2406.01234\n", ("2406.01234", None)),
    # arxiv.org and export.arxiv.org abs/pdf/html URLs
    ("https://arxiv.org/abs/2406.01234v2", ("2406.01234", 2)),
    ("http://arxiv.org/abs/2406.01234", ("2406.01234", None)),
    ("https://www.arxiv.org/abs/2406.01234", ("2406.01234", None)),
    ("https://export.arxiv.org/abs/math.GT/0309136v1", ("math.GT/0309136", 1)),
    ("arxiv.org/abs/2406.01234", ("2406.01234", None)),
    ("https://arxiv.org/pdf/2406.01234.pdf", ("2406.01234", None)),
    ("https://arxiv.org/pdf/2406.01234v3.pdf", ("2406.01234", 3)),
    ("https://arxiv.org/pdf/2406.01234v3", ("2406.01234", 3)),
    ("https://arxiv.org/html/2406.01234v1", ("2406.01234", 1)),
    ("https://arxiv.org/abs/2406.01234/", ("2406.01234", None)),
    ("https://arxiv.org/abs/2406.01234?context=cs#section", ("2406.01234", None)),
    ("HTTPS://ARXIV.ORG/ABS/2406.01234", ("2406.01234", None)),
    ("https://arxiv.org/abs/arXiv:2406.01234", ("2406.01234", None)),
    ("2406.01234.pdf", ("2406.01234", None)),
    # Hugging Face paper URLs (which may go on past the id)
    ("https://huggingface.co/papers/2406.01234", ("2406.01234", None)),
    ("huggingface.co/papers/2406.01234v2", ("2406.01234", 2)),
    ("https://www.huggingface.co/papers/2406.01234#community", ("2406.01234", None)),
    ("https://huggingface.co/papers/2406.01234/community", ("2406.01234", None)),
]

NOT_ARXIV = [
    "",
    "   ",
    "2406.123",  # 3-digit number
    "2406.123456",  # 6-digit number
    "24061.01234",
    "2406-01234",
    "2406.01234v",
    "2406.01234v12345",  # a version past any arXiv's (it overflowed the version column)
    "hep-th/990100",  # 6 digits
    "hep-th/99010011",
    "math.GTX/0309136",
    "9901001",
    "https://arxiv.org/abs/",
    "https://arxiv.org/abs/2406.01234/extra",
    "https://arxiv.org/list/cs.CL/2406.01234",
    "https://example.org/abs/2406.01234",
    "https://huggingface.co/papers/",
    "ftp://arxiv.org/abs/2406.01234",
    "arXiv:sample-3f2a9c01bd",
    "attention is all you need",
    "self-attention",
    "sample-3f2a9c01bd",
    "2406.01234 2406.01235",
]

PREFIXED_FORMS = [
    ("sample-3f2a9c01bd", ("sample-3f2a9c01bd", None)),
    ("openreview-AbC123", ("openreview-AbC123", None)),
    ("openreview-a.b_c-d", ("openreview-a.b_c-d", None)),
    (" sample-abc ", ("sample-abc", None)),
]

NOT_PAPER_IDS = [
    None,
    42,
    ["2406.01234"],
    "",
    " ",
    "Sample-abc",  # the prefix is lower case
    "1sample-abc",
    "sample-",
    "sample",
    "sample-" + "a" * 65,
    "sample-abc/def",
    "sample-a b",
    "arXiv:sample-abc",  # arXiv decorations are for arXiv ids
    "https://arxiv.org/abs/sample-abc",
    "2406.123",
    "2406.01234v12345",
]


@pytest.mark.parametrize("text, expected", ARXIV_FORMS)
def test_accepted_arxiv_forms(text, expected):
    assert parse_arxiv_reference(text) == expected
    assert parse_paper_id(text) == expected
    assert arxiv_id_in(text) == expected[0]
    assert is_arxiv_id(expected[0]) and is_paper_id(expected[0])


@pytest.mark.parametrize("text", NOT_ARXIV)
def test_rejected_arxiv_forms(text):
    with pytest.raises(NotAnArxivId, match="is not an arXiv id"):
        parse_arxiv_reference(text)
    assert arxiv_id_in(text) is None
    assert not is_arxiv_id(text)


@pytest.mark.parametrize("text, expected", PREFIXED_FORMS)
def test_source_prefixed_ids(text, expected):
    assert parse_paper_id(text) == expected
    assert is_paper_id(expected[0]) and not is_arxiv_id(expected[0])
    assert arxiv_id_in(text) is None  # a search for such a word stays a search


@pytest.mark.parametrize("value", NOT_PAPER_IDS)
def test_rejected_paper_ids(value):
    with pytest.raises(InvalidIdentifier, match="missing id|bad id"):
        parse_paper_id(value)
    assert not (isinstance(value, str) and is_paper_id(value))


def test_sample_id_rule():
    assert sample_paper_id("Attention Is  All You Need") == sample_paper_id(" attention is all you need")
    assert sample_paper_id("A") != sample_paper_id("B")
    assert parse_paper_id(sample_paper_id("A")) == (sample_paper_id("A"), None)
    assert sample_paper_id("Attention Is All You Need") == "sample-" + __import__("hashlib").sha1(
        b"attention is all you need"
    ).hexdigest()[:10]


CATEGORIES = [
    ("cs.CL", True),
    ("hep-th", True),
    ("q-bio.BM", True),
    ("cond-mat.mes-hall", True),
    ("math", True),
    ("a" * 40, True),
    ("a" * 41, False),
    ("", False),
    ("-cs", False),  # no imported category can start so, so no filter on one can match
    ("cs.", False),
    ("cs.CL.x", False),
    ("cs CL", False),
    ("cs.CL\n", False),
    ("1cs", False),
    ("cs_CL", False),
    ('cs"', False),
]

SLUGS = [
    ("deepseek-ai", True),
    ("Qwen", True),
    ("jina.ai", True),
    ("a_b", True),
    ("0x", True),
    ("a" * 100, True),
    ("a" * 101, False),
    ("", False),
    (".", False),
    ("..", False),
    (".hidden", False),
    ("-ai", False),
    ("_ai", False),
    ("deep seek", False),
    ("a/b", False),
    ("ai\n", False),
    ("ü-lab", False),
]


@pytest.mark.parametrize("text, ok", CATEGORIES)
def test_category_rule(text, ok):
    assert is_category(text) is ok


@pytest.mark.parametrize("text, ok", SLUGS)
def test_organization_slug_rule(text, ok):
    assert is_organization_slug(text) is ok


# --------------------------------------------------------------------------------------------
# Every caller gives the same answer


def _imported_id(text):
    try:
        return normalize_record({"id": text, "title": "T"}).id
    except RecordRejected:
        return None


def _routed_paper_id(paper_id):
    """The id the paper page's route takes from its URL, or None; and reverse() agrees."""
    try:
        match = resolve(f"/papers/{paper_id}")
    except Resolver404:
        match = None
    try:
        reversed_url = reverse("papers:paper", args=[paper_id])
    except NoReverseMatch:
        reversed_url = None
    assert (reversed_url is None) == (match is None or match.url_name != "paper")
    return match.kwargs["paper_id"] if match and match.url_name == "paper" else None


@pytest.mark.parametrize("text", [t for t, _ in ARXIV_FORMS] + [t for t, _ in PREFIXED_FORMS] + NOT_ARXIV)
def test_ingest_and_search_and_submission_agree_on_ids(text):
    try:
        expected = parse_paper_id(text)[0]
    except InvalidIdentifier:
        expected = None
    assert _imported_id(text) == expected
    # Search goes straight to a paper only for arXiv references, the submission form takes those too.
    arxiv = expected if expected and is_arxiv_id(expected) else None
    assert arxiv_id_in(text) == arxiv
    if expected:  # whatever import stores, the URLs route, to the same id
        assert _routed_paper_id(expected) == expected
        assert resolve(f"/api/papers/{expected}").url_name == "hf_paper"
        assert resolve(f"/papers/{expected}.md").kwargs["paper_id"] == expected
        assert resolve(f"/api/v1/papers/{expected}").kwargs["paper_id"] == expected


@pytest.mark.parametrize("text", ["2406.01234v2", "HEP-TH/9901001", "arXiv:2406.01234", "Sample-abc", "sample-a b", "trending"])
def test_urls_route_only_stored_ids(text):
    assert not is_paper_id(text)
    assert _routed_paper_id(text) is None


def _feed_accepts(category):
    try:
        match = resolve(f"/feeds/categories/{category}.rss")
    except Resolver404:
        return False
    try:
        CategoryFeed().source(RequestFactory().get("/"), **match.kwargs)
    except Http404:
        return False
    return True


def _search_accepts(params):
    try:
        filters_from_params(params)
    except InvalidSearch:
        return False
    return True


def _accepts(call, *args):
    try:
        call(*args)
    except (RecordRejected, SubscriptionError, InvalidSearch):
        return False
    return True


# Every caller trims surrounding whitespace first and takes a blank value as "none".


@pytest.mark.django_db
@pytest.mark.parametrize("text, ok", CATEGORIES)
def test_every_caller_agrees_on_categories(text, ok):
    expected = not text.strip() or is_category(text.strip())
    assert expected is (ok or not text.strip() or is_category(text.strip()))
    assert _accepts(parse_categories, [text], None) is expected  # import, listed
    assert _accepts(parse_categories, [], text) is expected  # import, primary
    assert _accepts(clean_categories, [text]) is expected  # digest subscriptions
    assert _search_accepts({"category": text}) is expected  # search, pages and API
    if text and text == text.strip() and "/" not in text and " " not in text:
        assert _feed_accepts(text) is ok  # category feed (route and view)


@pytest.mark.django_db
@pytest.mark.parametrize("text, ok", SLUGS)
def test_every_caller_agrees_on_organization_slugs(text, ok):
    expected = not text.strip() or is_organization_slug(text.strip())
    try:  # (an import's blank organization is an empty string or none, not an object)
        imported = normalize_record({"id": "2406.01234", "title": "T", "organization": {"slug": text, "name": "N"}})
        assert imported.organization[0] == (text.strip() or "N") and expected  # a blank slug: the name
    except RecordRejected as exc:
        assert "is not a slug" in str(exc) or "too long" in str(exc)
        assert not expected or not text.strip()
    assert _search_accepts({"organization": text}) is expected
    try:
        url = reverse("papers:organization", args=[text])
    except NoReverseMatch:
        url = None
    assert (url is not None) is ok
    if ok:
        assert resolve(url).kwargs["slug"] == text
        assert resolve(f"/feeds/organizations/{text}.atom").kwargs["slug"] == text
    else:
        with pytest.raises(NoReverseMatch):
            reverse("feed_organization_rss", args=[text])


@pytest.mark.django_db
def test_an_organization_slug_with_a_dot_is_imported_and_every_page_linking_it_renders(client):
    today = timezone.localdate()
    report = IngestPipeline("test").run([
        SourceItem("1", {
            "id": "2406.01234", "title": "Dotted organizations", "abstract": "About slugs.",
            "authors": ["Ada Lovelace"], "categories": ["cs.CL"], "published": (today - dt.timedelta(days=1)).isoformat(),
            "organization": "jina.ai Jina AI", "daily_date": today.isoformat(),
        })
    ])  # fmt: skip
    assert report.created == 1
    org = Organization.objects.get(slug="jina.ai")
    assert Paper.objects.get(pk="2406.01234").organization == org
    for url in ["/", "/papers/2406.01234", "/api/v1/days/latest", org.get_absolute_url(), "/feeds/organizations/jina.ai.rss"]:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
    assert b"/organizations/jina.ai" in client.get("/papers/2406.01234").content
    assert client.get("/api/v1/days/latest").json()["items"][0]["organization"]["slug"] == "jina.ai"


def test_a_slug_the_urls_refuse_is_refused_at_import_with_the_reason():
    with pytest.raises(RecordRejected, match=r"bad organization: '\.hidden' is not a slug \(letters, digits"):
        normalize_record({"id": "2406.01234", "title": "T", "organization": ".hidden Hidden"})
