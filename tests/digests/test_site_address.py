"""One base-URL rule for every mail, whichever process sends it (issue 29: digests sent from the CLI
linked to port 8000 while the site served elsewhere). The CLI's own send is checked end to end in
tests/test_cli.py; here the scheduled send, as a worker started on its own runs it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.sites.models import Site

from dailypapers.digests.models import Subscription
from dailypapers.digests.tasks import send_scheduled_digest
from dailypapers.lib.siteurl import DEFAULT_SITE_URL, record_site_url, site_url
from dailypapers.papers.models import DailyEntry, Paper

pytestmark = pytest.mark.django_db

SERVED = "http://127.0.0.1:18765"


def links_of(message) -> list[str]:
    found = []
    for part in message.walk():
        if not part.is_multipart():
            found += re.findall(r"https?://[^\s\"'<>]+", part.get_content())
    return found


def test_the_scheduled_send_links_every_mail_to_the_address_the_site_was_served_at(settings, smtp, sample_papers, make_subscribers):
    settings.DAILYPAPERS_BASE_URL = ""  # a worker started on its own has no address of its own
    Site.objects.filter(pk=settings.SITE_ID).update(domain="127.0.0.1:18765")  # as `serve --port 18765` recorded it
    make_subscribers(3)
    member = Subscription.objects.first()
    Subscription.objects.filter(pk=member.pk).update(categories=["cs.CL"])  # a filtered selection too
    day = DailyEntry.objects.order_by("-date").values_list("date", flat=True).first()

    result = send_scheduled_digest.call((day + dt.timedelta(days=1)).isoformat())  # the run due the day after

    assert result["sent"] == 3 and len(smtp.messages) == 3
    for message in smtp.messages:
        unsubscribe = str(message["List-Unsubscribe"]).strip()
        assert unsubscribe.startswith(f"<{SERVED}/digests/u/"), unsubscribe
        links = links_of(message)
        assert len(links) >= 10, links  # papers, the day, trending, view, manage, unsubscribe
        code = set(Paper.objects.exclude(github_repo="").values_list("github_repo", flat=True))  # cards link a paper's code host
        assert all(link.startswith(SERVED + "/") or link in code for link in links), [x for x in links if not x.startswith(SERVED)]


def test_the_rule(settings):
    settings.DAILYPAPERS_BASE_URL = "https://papers.example.org/"
    assert site_url() == "https://papers.example.org"  # this process's own address first
    record_site_url()
    assert Site.objects.get(pk=settings.SITE_ID).domain == "papers.example.org"

    settings.DAILYPAPERS_BASE_URL = ""
    settings.SESSION_COOKIE_SECURE = True  # DAILYPAPERS_SECURE_COOKIES: served over HTTPS
    assert site_url() == "https://papers.example.org"  # else the recorded one
    record_site_url()  # a process without an address leaves the record alone
    assert Site.objects.get(pk=settings.SITE_ID).domain == "papers.example.org"

    Site.objects.filter(pk=settings.SITE_ID).update(domain="example.com")  # Django's placeholder
    assert site_url() == DEFAULT_SITE_URL
    record_site_url()
    assert Site.objects.get(pk=settings.SITE_ID).domain == "127.0.0.1:8000"
