"""Topic trends where readers and programs get them: /trends (SVG chart), /trends.csv, /api/v1/trends."""

import csv
import io

import pytest

from dailypapers.papers.models import Paper
from tests.search.conftest import isolated_search_backend  # noqa: F401 (fixture)
from tests.search.test_search import ingest

pytestmark = pytest.mark.django_db

CORPUS = [
    {"id": "2301.00001", "title": "Diffusion models beat GANs", "abstract": "Denoising diffusion for images.",
     "categories": ["cs.CV"], "published": "2023-01-10", "upvotes": 5},
    {"id": "2301.00002", "title": "Score-based diffusion", "abstract": "Stochastic differential equations.",
     "categories": ["cs.LG"], "published": "2023-01-20"},
    {"id": "2303.00003", "title": "Attention is all you need again", "abstract": "A transformer for translation.",
     "categories": ["cs.CL"], "published": "2023-03-05", "upvotes": 3},
    {"id": "2401.00004", "title": "Diffusion transformers", "abstract": "Scalable diffusion with a transformer backbone.",
     "categories": ["cs.CV", "cs.LG"], "published": "2024-01-02", "upvotes": 11},
]  # fmt: skip


@pytest.fixture
def corpus(isolated_search_backend):  # noqa: F811
    from dailypapers.search import get_backend

    ingest(CORPUS)
    get_backend().process_pending_updates()


def test_the_api_compares_topics_and_categories_month_by_month(client, corpus):
    body = client.get("/api/v1/trends?q=diffusion,transformer&category=cs.CL").json()
    assert body["months"][0] == "2023-01" and body["months"][1] == "2023-02"
    diffusion, transformer, cl = body["series"]
    assert (diffusion["topic"], diffusion["kind"], cl["kind"], cl["label"]) == ("diffusion", "words", "category", "category cs.CL")
    month = body["months"].index
    assert diffusion["papers"][month("2023-01")] == 2 and diffusion["upvotes"][month("2023-01")] == 5
    assert diffusion["papers"][month("2024-01")] == 1 and diffusion["upvotes"][month("2024-01")] == 11
    assert diffusion["total_papers"] == 3 and diffusion["total_upvotes"] == 16
    assert transformer["total_papers"] == 2 and transformer["papers"][month("2023-03")] == 1
    assert cl["total_papers"] == 1 and cl["total_upvotes"] == 3
    assert len(diffusion["papers"]) == len(body["months"])  # one value per month, zeros included
    # q repeated reads as the comma list; "category:" in q names a category.
    again = client.get("/api/v1/trends?q=diffusion&q=transformer&q=category:cs.CL").json()
    assert again == body


@pytest.mark.parametrize(
    "query, message",
    [
        ("", "name a topic"),
        ("q=a,b,c,d", "at most 3"),
        ("q=%21%21%21", "no words"),
        ("category=not%20a%20category", "not an arXiv category"),
        ("q=category:", "not an arXiv category"),
        ("q=" + "x" * 101, "at most 100"),
    ],
)
def test_bad_parameters_are_400_with_a_message_everywhere(client, corpus, query, message):
    api = client.get(f"/api/v1/trends?{query}")
    assert api.status_code == 400 and message in api.json()["detail"]
    csv_response = client.get(f"/trends.csv?{query}")
    assert csv_response.status_code == 400 and message in csv_response.content.decode()
    if query:
        page = client.get(f"/trends?{query}")
        assert page.status_code == 400 and message in page.content.decode()


def test_the_page_draws_an_accessible_chart_with_a_table_and_downloads(client, corpus):
    html = client.get("/trends?q=diffusion&q=transformer").content.decode()
    chart = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in chart and 'aria-labelledby="trends-title trends-desc"' in chart
    assert "<title id=\"trends-title\">Papers and upvotes per month: diffusion, transformer</title>" in chart
    assert "diffusion: 3 papers and 16 upvotes from 2023-01" in chart
    assert chart.count("<polyline") == 4  # two topics x (papers, upvotes)
    assert "month of first publication" in chart and ">2023<" in chart and ">2024<" in chart
    assert '<th scope="row">2023</th><td>2</td><td>5</td><td>1</td><td>3</td>' in html  # yearly table
    assert 'href="/trends.csv?q=diffusion&amp;q=transformer"' in html
    # The form keeps the topics compared and offers the third box empty.
    assert 'name="q" value="diffusion"' in html and 'name="q" value="transformer"' in html and 'name="q" value=""' in html


def test_the_page_without_topics_offers_examples_and_no_match_says_so(client, corpus):
    start = client.get("/trends").content.decode()
    assert 'data-testid="trends-start"' in start and "<svg" not in start
    none = client.get("/trends?q=zxqv").content.decode()
    assert 'data-testid="trends-empty"' in none and "<svg" not in none


def test_csv_has_a_column_pair_per_topic_and_no_formula_cells(client, corpus):
    response = client.get("/trends.csv?q=diffusion&category=cs.CL")
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["month", "diffusion papers", "diffusion upvotes", "category cs.CL papers", "category cs.CL upvotes"]
    by_month = {row[0]: row[1:] for row in rows[1:]}
    assert by_month["2023-01"] == ["2", "5", "0", "0"] and by_month["2023-03"] == ["0", "0", "1", "3"]
    formula = client.get("/trends.csv?q=%3Dcmd").content.decode()
    assert formula.splitlines()[0] == "month,'=cmd papers,'=cmd upvotes"


def test_members_votes_count_in_the_upvotes(client, corpus, member):
    from dailypapers.papers.services import set_upvote

    set_upvote(member, Paper.objects.get(pk="2301.00002"), True)
    body = client.get("/api/v1/trends?q=diffusion").json()
    assert body["series"][0]["upvotes"][0] == 6


def test_the_endpoint_is_in_the_openapi_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/trends"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"q", "category"}
