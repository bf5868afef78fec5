"""A paper's URL answers markdown to ``Accept: text/markdown`` (as ``/papers/{id}.md`` does), HTML
otherwise, whichever the page cache saw first; both say ``Vary: Accept``."""

import pytest
from django.utils import timezone

from dailypapers.papers.models import Paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper(settings):
    settings.DAILYPAPERS_PAGE_CACHE = True
    return Paper.objects.create(id="2401.00001", title="Attention *again*", abstract="We attend.", published_at=timezone.now())


@pytest.mark.parametrize("accept", ["text/markdown", "text/markdown, text/html;q=0.5", "text/plain;q=0.1, text/markdown"])
def test_the_paper_url_answers_markdown_when_asked(client, paper, accept):
    client.get(f"/papers/{paper.pk}")  # an HTML render first, so the page cache holds it
    response = client.get(f"/papers/{paper.pk}", HTTP_ACCEPT=accept)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/markdown")
    assert response.content.decode() == client.get(f"/papers/{paper.pk}.md").content.decode()
    assert "Accept" in response["Vary"]


@pytest.mark.parametrize("accept", [None, "*/*", "text/html", "text/html, text/markdown;q=0.5"])
def test_html_otherwise_even_after_a_markdown_read(client, paper, accept):
    client.get(f"/papers/{paper.pk}", HTTP_ACCEPT="text/markdown")
    response = client.get(f"/papers/{paper.pk}", **({"HTTP_ACCEPT": accept} if accept else {}))
    assert response["Content-Type"].startswith("text/html") and "Accept" in response["Vary"]


def test_an_unknown_paper_is_a_404_either_way(client, paper):
    assert client.get("/papers/2401.99999", HTTP_ACCEPT="text/markdown").status_code == 404
