"""Keywords and links where readers see them: cards, the paper page, the native API."""

import pytest
from django.core.management import call_command

from dailypapers.community.services import post_comment
from dailypapers.papers.models import DailyEntry, Paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def enriched(sample_papers, member):
    call_command("enrich", verbosity=0)
    paper = Paper.objects.exclude(github_repo="").order_by("pk").first()
    DailyEntry.objects.filter(paper=paper).update(submitted_by=member)
    return paper


def test_cards_show_keywords_as_search_links_and_the_code_button(client, enriched):
    entry = DailyEntry.objects.get(paper=enriched)
    html = client.get(f"/papers/date/{entry.date:%Y-%m-%d}").content.decode()
    card = html[html.index(f'data-paper-id="{enriched.pk}"'):]
    card = card[: card.index("</article>")]
    assert f'href="{enriched.github_repo}"' in card and 'data-testid="card-code"' in card
    first = enriched.keywords[0]
    assert 'data-testid="keywords"' in card and f">{first}</a>" in card
    from urllib.parse import quote
    assert f'href="/search?q={quote(first)}"' in card


def test_the_paper_page_lists_keywords_and_hub_artifacts(client, enriched, member):
    post_comment(member, enriched, "Weights on https://huggingface.co/acme/model-7b and data on https://huggingface.co/datasets/acme/set")
    call_command("enrich", enriched.pk, verbosity=0)
    html = client.get(enriched.get_absolute_url()).content.decode()
    assert 'data-testid="keywords"' in html and 'data-testid="paper-links"' in html
    assert 'href="https://huggingface.co/acme/model-7b"' in html and 'href="https://huggingface.co/datasets/acme/set"' in html


def test_native_api_serves_keywords(client, enriched):
    body = client.get(f"/api/v1/papers/{enriched.pk}").json()
    assert body["keywords"] == enriched.keywords and body["keywords"]
    assert body["github_repo"] == enriched.github_repo


def test_has_code_filter_matches_found_links(client, enriched, settings, tmp_path):
    from dailypapers.search import get_backend, reset_backend

    settings.DATA_DIR = tmp_path  # an index of this test's own
    reset_backend()
    try:
        get_backend().rebuild()
        body = client.get("/api/v1/search?q=model&has_code=true&limit=50").json()
        assert len(body["items"]) >= 10 and all(item["github_repo"] for item in body["items"])
    finally:
        reset_backend()
