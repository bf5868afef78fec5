"""Every page: status, content, empty states, and bad input answered with 404/400, never 500."""

import datetime as dt

import pytest
from django.utils import timezone

from dailypapers.papers.models import Author, DailyEntry, Paper
from tests.papers.factories import make_org, make_paper

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def test_home_renders_today_with_papers_by_upvotes(client):
    low = make_paper(title="Low votes", upvotes=1, day=today())
    high = make_paper(title="High votes", upvotes=9, day=today())
    html = client.get("/").content.decode()
    assert html.index(high.title) < html.index(low.title)
    assert today().strftime("%B") in html
    assert client.get("/papers").status_code == 200


def test_home_falls_back_to_the_latest_day_with_papers(client):
    friday = today() - dt.timedelta(days=3)
    make_paper(title="Friday paper", day=friday)
    response = client.get("/")
    assert response.status_code == 200
    assert "Friday paper" in response.content.decode()
    assert response.context["period"].start == friday


def test_day_page_shows_only_that_day_and_links_neighbours(client):
    day = dt.date(2026, 11, 18)
    make_paper(title="On the day", day=day)
    make_paper(title="The day after", day=day + dt.timedelta(days=1))
    html = client.get("/papers/date/2026-11-18").content.decode()
    assert "On the day" in html and "The day after" not in html
    assert 'href="/papers/date/2026-11-17"' in html and 'href="/papers/date/2026-11-19"' in html


def test_empty_day_says_so(client):
    response = client.get("/papers/date/2026-11-15")
    assert response.status_code == 200
    assert "No papers on this day" in response.content.decode()


def test_week_and_month_pages_gather_their_days(client):
    make_paper(title="Monday", day=dt.date(2026, 11, 16))
    make_paper(title="Sunday", day=dt.date(2026, 11, 22))
    make_paper(title="Next Monday", day=dt.date(2026, 11, 23))
    week = client.get("/papers/week/2026-W47").content.decode()
    assert "Monday" in week and "Sunday" in week and "Next Monday" not in week
    month = client.get("/papers/month/2026-11").content.decode()
    assert all(t in month for t in ["Monday", "Sunday", "Next Monday"])
    assert "No papers in this month" in client.get("/papers/month/2020-01").content.decode()


def test_filters_by_category_organization_and_code(client):
    day = dt.date(2026, 11, 18)
    org = make_org()
    make_paper(title="Vision with code", day=day, categories=["cs.CV"], primary_category="cs.CV",
               github_repo="https://github.com/x/y")
    make_paper(title="Language from Acme", day=day, categories=["cs.CL"], primary_category="cs.CL", org=org)
    base = "/papers/date/2026-11-18"
    assert "Language from Acme" not in client.get(base + "?category=cs.CV").content.decode()
    assert "Vision with code" in client.get(base + "?category=cs.CV").content.decode()
    assert "Vision with code" not in client.get(base + "?organization=acme-ai").content.decode()
    html = client.get(base + "?has_code=1").content.decode()
    assert "Vision with code" in html and "Language from Acme" not in html


def test_trending_page_states_the_formula_and_ranks(client):
    now = timezone.now()
    make_paper(title="Fresh", upvotes=5, day=now.date(), submitted_at=now - dt.timedelta(hours=1))
    make_paper(title="Stale", upvotes=5, day=now.date() - dt.timedelta(days=3), submitted_at=now - dt.timedelta(days=3))
    html = client.get("/papers/trending").content.decode()
    assert html.index("Fresh") < html.index("Stale")
    assert "score = upvotes / (age in hours + 2)" in html


def test_paper_page_shows_everything(client):
    org = make_org()
    paper = make_paper(
        id="2406.01234", title="Nested <b>Embeddings</b>", abstract="We <script>nest</script>.", upvotes=3,
        day=dt.date(2026, 11, 20), org=org, categories=["cs.CL"], primary_category="cs.CL",
        github_repo="https://github.com/x/y", doi="10.1000/xyz",
        published_at=dt.datetime(2024, 6, 3, tzinfo=dt.timezone.utc),
    )
    paper.authorships.create(author=Author.objects.create(name="Ada Lovelace"), position=0)
    html = client.get("/papers/2406.01234").content.decode()
    assert "Nested &lt;b&gt;Embeddings&lt;/b&gt;" in html  # escaped, not rendered
    assert "<script>nest" not in html
    for expected in ["Ada Lovelace", "Acme AI", "June 3, 2024", "https://arxiv.org/pdf/2406.01234",
                     "https://github.com/x/y", "cs.CL", "10.1000/xyz", "/papers/date/2026-11-20"]:
        assert expected in html, expected


def test_old_style_arxiv_ids_have_pages(client):
    make_paper(id="hep-th/9901001", title="Old style")
    assert client.get("/papers/hep-th/9901001").status_code == 200


def test_organization_page(client):
    org = make_org()
    make_paper(title="Acme paper", org=org, day=dt.date(2026, 11, 20))
    html = client.get("/organizations/acme-ai").content.decode()
    assert "Acme AI" in html and "Acme paper" in html
    assert client.get("/organizations/nobody").status_code == 404


def test_about_ranking_states_the_formula(client):
    html = client.get("/about/ranking").content.decode()
    assert "age<sub>hours</sub>" in html and "DAILYPAPERS_TRENDING_GRAVITY" in html


@pytest.mark.parametrize(
    "url, status",
    [
        ("/papers/2999.99999", 404),
        ("/papers/date/2026-02-30", 404),
        ("/papers/date/2026-13-01", 404),
        ("/papers/date/yesterday", 404),
        ("/papers/date/99999-01-01", 404),
        ("/papers/week/2026-W54", 404),
        ("/papers/week/2026-47", 404),
        ("/papers/month/2026-13", 404),
        ("/papers/month/0000-01", 404),
        # Calendar edges: Python's first and last dates, where previous/next links would overflow.
        ("/papers/date/0001-01-01", 404),
        ("/papers/date/9999-12-31", 404),
        ("/papers/week/9999-W52", 404),
        ("/papers/week/0001-W01", 404),
        ("/papers/month/0001-01", 404),
        ("/papers/month/9999-12", 404),
        ("/papers/date?date=0001-01-01", 400),
        ("/papers/date?date=2026-02-30", 400),
        ("/papers/date?date=", 400),
        ("/papers/date?date=%00%ff", 400),
        ("/organizations/%ff", 404),
    ],
)
def test_bad_paths_and_dates_are_404_or_400_not_500(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert "<html" in response.content.decode()  # the site's own error page


def test_date_picker_redirects_to_the_day(client):
    response = client.get("/papers/date?date=2026-11-18")
    assert response.status_code == 302 and response["Location"] == "/papers/date/2026-11-18"


def test_the_sample_demo_has_today_yesterday_week_and_month(client, sample_papers):
    assert Paper.objects.count() == 313
    yesterday = today() - dt.timedelta(days=1)
    for url in ["/", f"/papers/date/{yesterday:%Y-%m-%d}", f"/papers/week/{today():%G-W%V}", f"/papers/month/{today():%Y-%m}"]:
        response = client.get(url)
        assert response.status_code == 200
        assert len(response.context["entries"]) > 0, url
    assert DailyEntry.objects.filter(date=today()).exists()


def test_long_periods_are_paged_and_load_more_in_place(client):
    day = dt.date(2026, 11, 18)
    for i in range(55):
        make_paper(title=f"Paper number {i:02d}", upvotes=100 - i, day=day)
    first = client.get("/papers/month/2026-11?category=")
    html = first.content.decode()
    assert "55 papers" in html and html.count('class="paper-card"') == 50
    assert "Paper number 49" in html and "Paper number 50" not in html
    more = client.get("/papers/month/2026-11?category=&page=2", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="load-more")
    html = more.content.decode()
    assert html.count('class="paper-card"') == 5 and "Paper number 54" in html
    assert "<html" not in html and 'id="load-more"' not in html  # a fragment, and the last page
    # Out-of-range or junk page numbers fall back to a valid page instead of failing.
    assert client.get("/papers/month/2026-11?page=999").status_code == 200
    assert client.get("/papers/month/2026-11?page=abc").status_code == 200


def test_a_card_that_cannot_render_is_left_out_and_logged_not_a_500(client, caplog):
    """One bad record (here an organization slug no URL accepts, written past validation) used to
    turn `/`, trending and every page listing it into a 500."""
    import datetime as dt

    from django.utils import timezone

    from dailypapers.papers.models import DailyEntry, Organization, Paper

    now = timezone.now()
    bad_org = Organization.objects.create(slug="fine", name="Broken Lab")
    Organization.objects.filter(pk=bad_org.pk).update(slug="not a slug")
    broken = Paper.objects.create(id="2611.09001", title="Broken card", organization=bad_org, imported_upvotes=3)
    fine = Paper.objects.create(id="2611.09002", title="Fine card", imported_upvotes=2)
    for paper in (broken, fine):
        DailyEntry.objects.create(paper=paper, date=now.date(), submitted_at=now - dt.timedelta(hours=1))
    for url in ("/", "/papers/trending"):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "Fine card" in html and "Broken card" not in html
    assert any("2611.09001" in r.getMessage() for r in caplog.records)
