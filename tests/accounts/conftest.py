import datetime as dt

import pytest
from django.utils import timezone

from dailypapers.papers.models import Author, Authorship, DailyEntry, Organization, Paper


def make_paper(pid: str, title: str, authors: list[str], *, day: dt.date | None = None, submitted_by=None, organization=None) -> Paper:
    """A paper with its byline (one Author identity per name, reused across papers) and, with
    ``day``, a daily entry."""
    paper = Paper.objects.create(id=pid, title=title, abstract=f"About {title}.", published_at=timezone.now(), primary_category="cs.CL")
    for position, name in enumerate(authors):
        author = Author.objects.filter(name=name).first() or Author.objects.create(name=name)
        Authorship.objects.create(paper=paper, author=author, position=position, name=name)
    if day is not None:
        DailyEntry.objects.create(paper=paper, date=day, submitted_at=timezone.now(), submitted_by=submitted_by, organization=organization)
    return paper


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def papers(db, today):
    org = Organization.objects.create(slug="lab", name="The Lab")
    return [
        make_paper("2401.00001", "Attention again", ["Ada Lovelace", "Charles Babbage"], day=today, organization=org),
        make_paper("2401.00002", "Engines of thought", ["Charles Babbage", "Ada Lovelace", "Mary Somerville"], day=today),
        make_paper("2401.00003", "No entry here", ["Ada Lovelace"]),
    ]


@pytest.fixture
def other(django_user_model):
    return django_user_model.objects.create_user(username="bob", email="bob@example.org", password="correct-horse-9")


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser(username="root", email="root@example.org", password="correct-horse-9")
