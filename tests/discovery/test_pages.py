"""The pages: For you (cold start, picks with reasons, feedback), Following, follow buttons on the
author, organization, category and search pages."""

from __future__ import annotations

import re

import pytest

from dailypapers.discovery.models import Feedback, Follow
from dailypapers.papers.models import Author, Organization, Paper, Upvote
from tests.discovery.corpus import ids_of

pytestmark = pytest.mark.django_db


def test_for_you_needs_a_member_and_starts_cold(client, topics, member):
    assert client.get("/for-you").status_code == 302
    client.force_login(member)
    page = client.get("/for-you").content.decode()
    assert 'data-testid="cold-start"' in page and 'value="astro-ph.CO"' in page
    response = client.post("/for-you/start", {"category": ["quant-ph"], "keywords": "protein folding, ", "paper": [ids_of("graphs")[0]]})
    assert response.status_code == 302 and response["Location"] == "/for-you"
    assert Follow.objects.filter(user=member, kind="category", target="quant-ph").exists()
    assert member.interests.keywords == ["protein folding"]
    page = client.get("/for-you").content.decode()
    assert 'data-testid="cold-start"' not in page
    reasons = re.findall(r'data-testid="reason">([^<]+)<', page)
    assert len(reasons) == 20 and "in quant-ph, which you follow" in reasons
    assert client.post("/for-you/start", {"category": ["no such thing!"]}).status_code == 400
    assert client.get("/for-you?cursor=%%%").status_code == 400


def test_feedback_buttons_on_cards(client, topics, member):
    Upvote.objects.create(user=member, paper_id=ids_of("diffusion")[0])
    client.force_login(member)
    page = client.get("/for-you").content.decode()
    assert page.count('data-testid="feedback-control"') == 20 and "because you upvoted" in page
    target = ids_of("diffusion")[1]
    answer = client.post(f"/papers/{target}/feedback", {"signal": "less"}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and "Not interested" in answer.content.decode() and 'data-testid="feedback-undo"' in answer.content.decode()
    assert Feedback.objects.get(user=member, paper_id=target).signal == "less"
    assert f'data-paper="{target}"' not in client.get("/for-you").content.decode()
    assert client.post(f"/papers/{target}/feedback", {"signal": "none", "next": "/for-you"}).status_code == 302
    assert not Feedback.objects.filter(user=member).exists()
    assert client.post(f"/papers/{target}/feedback", {"signal": "sideways"}).status_code == 400
    assert client.post("/papers/9999.99999/feedback", {"signal": "more"}).status_code == 404
    client.logout()
    anonymous = client.post(f"/papers/{target}/feedback", {"signal": "more"}, HTTP_HX_REQUEST="true")
    assert anonymous.status_code == 204 and anonymous["HX-Redirect"].startswith("/accounts/login/")


def test_every_card_carries_the_feedback_controls(client, topics):
    page = client.get(f"/authors/{Author.objects.get(name='Mira Denoiser').pk}")
    assert page.status_code == 200 and page.content.decode().count('data-testid="feedback-control"') == 6


def test_follow_buttons_on_author_organization_category_and_search_pages(client, topics, member):
    author = Author.objects.get(name="Vera Halo")
    org = Organization.objects.create(slug="eso", name="ESO")
    Paper.objects.filter(pk=ids_of("cosmology")[0]).update(organization=org)
    pages = {
        "author": (f"/authors/{author.pk}", str(author.pk)),
        "organization": ("/organizations/eso", "eso"),
        "category": ("/papers?category=astro-ph.CO", "astro-ph.CO"),
        "search": ("/search?q=dark+matter", "dark matter"),
    }
    for kind, (url, target) in pages.items():  # anonymous readers see the button (it leads to the login page)
        html = client.get(url).content.decode()
        assert f'name="kind" value="{kind}"' in html and f'name="target" value="{target}"' in html, kind
    client.force_login(member)
    for kind, (url, target) in pages.items():
        answer = client.post("/follow", {"kind": kind, "target": target}, HTTP_HX_REQUEST="true")
        assert answer.status_code == 200 and "✓ Following" in answer.content.decode(), kind
        assert "✓ Following" in client.get(url).content.decode(), kind
    assert Follow.objects.filter(user=member).count() == 4
    following = client.get("/following").content.decode()
    assert "by Vera Halo, whom you follow" in following and "ESO" in following and following.count('data-testid="follow"') == 4
    assert client.post("/follow", {"kind": "author", "target": str(author.pk), "action": "unfollow"}).status_code == 302
    assert "✓ Following" not in client.get(pages["author"][0]).content.decode()
    assert client.post("/follow", {"kind": "planet", "target": "x"}).status_code == 400
    assert client.post("/follow", {"kind": "author", "target": "123456789"}).status_code == 400


def test_paper_page_links_its_authors_pages(client, topics):
    pid = ids_of("quantum")[0]
    html = client.get(f"/papers/{pid}").content.decode()
    author = Author.objects.get(name="Grace Qubit")
    assert f'href="/authors/{author.pk}">Grace Qubit</a>' in html
    assert client.get("/authors/99999999").status_code == 404
    assert client.get("/authors/" + "9" * 30).status_code == 404  # beyond a 64-bit key: still a 404, on both databases


def test_marks_can_be_undone_from_the_for_you_page_later(client, topics, member):
    """A paper marked "not interested" leaves the feed, so the feed cannot offer its Undo again: the
    page lists the member's marks, each with its Undo."""
    target = ids_of("graphs")[0]
    Upvote.objects.create(user=member, paper_id=ids_of("graphs")[1])
    client.force_login(member)
    client.post(f"/papers/{target}/feedback", {"signal": "less"})
    page = client.get("/for-you").content.decode()
    marks = page[page.index('data-testid="feedback-marks"'):]
    assert f'data-paper-id="{target}"' not in page  # out of the feed
    assert Paper.objects.get(pk=target).title in marks and 'data-testid="feedback-undo"' in marks
    assert f'action="/papers/{target}/feedback"' in marks
    client.post(f"/papers/{target}/feedback", {"signal": "none"})  # what its Undo sends
    page = client.get("/for-you").content.decode()
    assert 'data-testid="feedback-marks"' not in page and f'data-paper-id="{target}"' in page
