"""Small builders for crafted test data (real rows in the real database)."""

import datetime as dt
import itertools

from dailypapers.papers.models import DailyEntry, Organization, Paper

_ids = itertools.count(10000)


def make_paper(*, upvotes=0, day=None, submitted_at=None, org=None, **fields):
    paper = Paper.objects.create(
        id=fields.pop("id", f"2411.{next(_ids)}"),
        title=fields.pop("title", "A paper"),
        abstract=fields.pop("abstract", "An abstract."),
        imported_upvotes=upvotes,
        organization=org,
        **fields,
    )
    if day is not None:
        DailyEntry.objects.create(
            paper=paper,
            date=day,
            submitted_at=submitted_at or dt.datetime.combine(day, dt.time(9), tzinfo=dt.timezone.utc),
            organization=org,
        )
    return paper


def make_org(slug="acme-ai", name="Acme AI"):
    return Organization.objects.get_or_create(slug=slug, defaults={"name": name})[0]
