"""Filters that fit the data (issue 28): a list offers the categories its papers have (most papers
first), the organizations with papers in view, and "has code" only when some paper has a code link;
otherwise it says why rather than offering a filter that matches nothing."""

import re

import pytest
from django.utils import timezone

from dailypapers.papers.models import Paper
from tests.papers.factories import make_org, make_paper

pytestmark = pytest.mark.django_db


def _filters(html: str) -> str:
    return html.split('data-testid="filters"', 1)[1].split("</form>", 1)[0]


def test_the_filters_offer_what_the_papers_in_view_have(client):
    today = timezone.localdate()
    make_paper(day=today, title="A", categories=["cs.CL", "cs.LG"], primary_category="cs.CL")
    make_paper(day=today, title="B", categories=["cs.CL"], primary_category="cs.CL", org=make_org())
    make_paper(day=today - timezone.timedelta(days=40), title="Old", categories=["hep-th"], primary_category="hep-th")
    form = _filters(client.get("/").content.decode())
    assert re.findall(r'<option value="([^"]*)"', form.split("</select>")[0]) == ["", "cs.CL", "cs.LG"]  # most papers first
    assert "cs.CL (2)" in form and "hep-th" not in form
    assert '<option value="acme-ai">Acme AI</option>' in form
    # No paper here has a code link: the box is not offered as if it could match, and says why.
    assert 'data-testid="has-code-unavailable"' in form and "(none here)" in form
    Paper.objects.filter(title="A").update(github_repo="https://github.com/a/b")
    from dailypapers.lib.pagecache import bump_content_version

    bump_content_version()
    form = _filters(client.get("/").content.decode())
    assert 'data-testid="has-code-unavailable"' not in form and 'name="has_code"' in form


def test_a_filter_from_the_url_that_matches_nothing_here_stays_visible_and_says_so(client):
    today = timezone.localdate()
    make_paper(day=today, title="A", categories=["cs.CL"], primary_category="cs.CL")
    form = _filters(client.get("/?category=q-bio.NC").content.decode())
    assert '<option value="q-bio.NC" selected>q-bio.NC (none here)</option>' in form


def test_a_list_without_categories_or_organizations_offers_neither(client):
    make_paper(day=timezone.localdate(), title="Listing only")  # a sample listing: no categories, no organization
    form = _filters(client.get("/").content.decode())
    assert 'name="category"' not in form and 'name="organization"' not in form
