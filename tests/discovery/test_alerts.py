"""Alerts through the real ingest pipeline: once per new paper, once per new version, saying which
follow matched; idempotent by a unique constraint; on the notifications page and by mail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from dailypapers.community.models import Notification, NotificationKind, NotificationPreference
from dailypapers.community.tasks import send_notification_mail
from dailypapers.discovery import follows
from dailypapers.discovery.alerts import check_papers, process_pending_alerts
from dailypapers.discovery.models import Alert, Follow, PendingAlertCheck, SeenVersion
from dailypapers.papers import collections
from dailypapers.papers.models import Author, Paper
from tests.discovery.conftest import ingest

pytestmark = pytest.mark.django_db


def record(pid: str, title: str, authors: list[str], *, version: int = 1, days_ago: int = 0, categories=("cs.LG",)) -> dict:
    published = (timezone.localdate() - dt.timedelta(days=days_ago)).isoformat()
    return {"id": f"{pid}v{version}", "title": title, "abstract": f"{title}. We study it with diffusion sampling.",
            "authors": authors, "categories": list(categories), "published": published}


def alerts_of(user, kind=None):
    qs = Notification.objects.filter(recipient=user)
    return list(qs.filter(kind=kind) if kind else qs)


def test_follow_alerts_fire_once_per_new_paper_and_once_per_new_version(member, django_user_model):
    ingest([record("2612.00001", "An older paper by Ada", ["Ada Lovelace"])])
    process_pending_alerts()  # nobody follows yet: nothing, but the paper is seen at v1
    assert Notification.objects.count() == 0 and SeenVersion.objects.get(paper_id="2612.00001").version == 1
    ada = Author.objects.get(name="Ada Lovelace")
    follows.follow(member, Follow.Kind.AUTHOR, str(ada.pk))
    saver = django_user_model.objects.create_user(username="sam", email="sam@example.org", password="x-horse-9")
    follows.follow(saver, Follow.Kind.SEARCH, "analytical engine")

    ingest([record("2612.00002", "The Analytical Engine revisited", ["Ada Lovelace", "Charles Babbage"])])
    assert PendingAlertCheck.objects.filter(paper_id="2612.00002").exists()  # the outbox, committed with the paper
    process_pending_alerts()
    [alert] = alerts_of(member)
    assert alert.kind == NotificationKind.FOLLOW and alert.paper_id == "2612.00002"
    assert alert.text == "New paper by Ada Lovelace, whom you follow: “The Analytical Engine revisited”"
    [other] = alerts_of(saver)
    assert "matches your saved search “analytical engine”" in other.text

    # the same record again, and the checker run again over the same paper: no second alert
    ingest([record("2612.00002", "The Analytical Engine revisited", ["Ada Lovelace", "Charles Babbage"])])
    process_pending_alerts()
    check_papers(["2612.00002"])
    assert len(alerts_of(member)) == 1 and len(alerts_of(saver)) == 1

    # a metadata change that is not a new version: nothing
    ingest([record("2612.00002", "The Analytical Engine, revisited", ["Ada Lovelace", "Charles Babbage"])])
    process_pending_alerts()
    assert len(alerts_of(member)) == 1

    # version 2: one alert each, naming the version; the older paper's member saved it (v2 of it too)
    third = django_user_model.objects.create_user(username="tia", email="tia@example.org", password="x-horse-9")
    collections.save_paper(collections.create_collection(third, "mine", "", False), Paper.objects.get(pk="2612.00001"))
    ingest([record("2612.00002", "The Analytical Engine, revisited", ["Ada Lovelace", "Charles Babbage"], version=2),
            record("2612.00001", "An older paper by Ada", ["Ada Lovelace"], version=2)])
    process_pending_alerts()
    versions = alerts_of(member, NotificationKind.NEW_VERSION)
    assert sorted(n.paper_id for n in versions) == ["2612.00001", "2612.00002"]
    assert all(n.text.startswith("New version (v2) of “") and "by Ada Lovelace, whom you follow" in n.text for n in versions)
    [kept] = alerts_of(third)
    assert kept.kind == NotificationKind.NEW_VERSION and kept.paper_id == "2612.00001" and "a paper you saved or follow" in kept.text
    assert [n.paper_id for n in alerts_of(saver, NotificationKind.NEW_VERSION)] == ["2612.00002"]
    check_papers(["2612.00001", "2612.00002"])  # idempotent
    assert Alert.objects.count() == 6 and Notification.objects.count() == 6


def test_the_unique_constraint_is_what_makes_alerts_idempotent(member):
    ingest([record("2612.00003", "A paper", ["Ada Lovelace"])])
    Alert.objects.create(user=member, paper_id="2612.00003", version=1, reason="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(user=member, paper_id="2612.00003", version=1, reason="again")


def test_old_papers_and_bulk_loads_are_not_news(member):
    follows.follow(member, Follow.Kind.CATEGORY, "math.AG")
    ingest([record("2612.00004", "A backfilled paper", ["Bo Li"], days_ago=400, categories=["math.AG"])])
    ingest([record("2612.00005", "A new paper", ["Bo Li"], categories=["math.AG"])])
    process_pending_alerts()
    assert [n.paper_id for n in alerts_of(member)] == ["2612.00005"]
    assert alerts_of(member)[0].text.startswith("New paper in math.AG, which you follow")


def test_alerts_are_on_the_notifications_page_and_mailed_when_chosen(client, member):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    NotificationPreference.objects.create(user=member, kind=NotificationKind.FOLLOW, site=True, mail=True)
    org_record = record("2612.00006", "Organizational <b>paper</b>", ["Bo Li"])
    org_record["organization"] = "lab Example Lab"
    ingest([org_record])
    follows.follow(member, Follow.Kind.ORGANIZATION, "lab")  # before the worker got to the paper
    process_pending_alerts()
    [alert] = alerts_of(member)
    assert alert.text == "New paper from Example Lab, which you follow: “Organizational <b>paper</b>”"
    client.force_login(member)
    page = client.get("/notifications").content.decode()
    assert "New paper from Example Lab, which you follow" in page and "Organizational &lt;b&gt;paper&lt;/b&gt;" in page
    assert send_notification_mail.call(alert.pk) == "sent"
    [message] = mail.outbox
    assert "Example Lab" in message.body and message.to == [member.email]


def test_alerts_can_be_turned_off(member):
    NotificationPreference.objects.create(user=member, kind=NotificationKind.FOLLOW, site=False, mail=False)
    follows.follow(member, Follow.Kind.CATEGORY, "math.AG")
    ingest([record("2612.00007", "A new paper", ["Bo Li"], categories=["math.AG"])])
    process_pending_alerts()
    assert alerts_of(member) == []
