"""Sending through the outbox to a real SMTP server on loopback."""

from __future__ import annotations

import datetime as dt
import email.utils

import pytest
from django.utils import timezone

from dailypapers.digests.content import get_or_create_issue
from dailypapers.digests.models import DeliveryState, DigestDelivery, Subscription
from dailypapers.digests.sending import DigestSender, recover_stale_claims
from dailypapers.papers.models import DailyEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def issue(sample_papers):
    day = DailyEntry.objects.order_by("-date").values_list("date", flat=True).first()
    return get_or_create_issue("daily", day.isoformat())


def parts(message):
    return {part.get_content_type(): part.get_content() for part in message.walk() if not part.is_multipart()}


def test_each_receiving_subscriber_gets_exactly_one_message_with_headers_and_both_parts(smtp, issue, make_subscribers):
    receivers = make_subscribers(25)
    Subscription.objects.create(email="unconfirmed@example.org")
    Subscription.objects.create(email="left@example.org", confirmed_at=timezone.now(), unsubscribed_at=timezone.now())
    Subscription.objects.create(email="bounced@example.org", confirmed_at=timezone.now(), suspended_at=timezone.now())
    Subscription.objects.create(email="weekly@example.org", frequency="weekly", confirmed_at=timezone.now())

    first = DigestSender(issue, batch_size=7).run()
    second = DigestSender(issue).run()  # a re-run sends nothing new

    assert first.outcomes["sent"] == 25 and second.outcomes["sent"] == 0
    assert smtp.by_recipient() == {s.email: 1 for s in receivers}
    assert len(smtp.peers) == 1, "one SMTP connection for the whole run"
    ids = {m["Message-ID"] for m in smtp.messages}
    assert len(ids) == 25
    top_title = issue.ranked_paper_ids and DailyEntry.objects.get(paper_id=issue.ranked_paper_ids[0]).paper.title
    for message in smtp.messages:
        unsubscribe = str(message["List-Unsubscribe"]).strip()  # folded headers unfold with a leading space
        assert unsubscribe.startswith("<http://127.0.0.1:8000/digests/u/") and unsubscribe.endswith(">")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert email.utils.parsedate_to_datetime(message["Date"]).year >= 2024
        assert message.get_content_type() == "multipart/alternative"
        body = parts(message)
        assert set(body) == {"text/plain", "text/html"}
        assert top_title in body["text/plain"] and "Unsubscribe:" in body["text/plain"]
        html = body["text/html"]
        assert "<table" in html and "<style" not in html and "<link" not in html  # inline styles only
        assert unsubscribe.strip("<>") in html
    delivered = DigestDelivery.objects.filter(issue=issue)
    assert delivered.count() == 25 and set(delivered.values_list("state", flat=True)) == {DeliveryState.SENT}
    assert set(delivered.values_list("message_id", flat=True)) == ids


def test_refused_recipients_are_retried_for_4xx_and_suspended_for_5xx(smtp, settings, issue, make_subscribers):
    settings.DAILYPAPERS_DIGEST_MAX_ATTEMPTS = 3
    make_subscribers(4)
    smtp.refuse = {
        "reader1@example.org": ["550 5.1.1 No such user"],
        "reader2@example.org": ["451 4.3.0 Try again later"],
        "reader3@example.org": ["452 4.2.2 Mailbox full"] * 10,
    }
    report = DigestSender(issue).run()
    assert report.outcomes["sent"] == 1 and report.outcomes["retry"] == 2 and report.outcomes["suspended"] == 1
    gone = Subscription.objects.get(email="reader1@example.org")
    assert gone.status == "suspended" and gone.suspended_reason.startswith("550") and "No such user" in gone.suspended_reason

    # Backoff: nothing is due yet, so an immediate re-run leaves the two soft failures waiting.
    again = DigestSender(issue).run()
    assert again.outcomes["sent"] == 0 and again.waiting == 2
    waiting = DigestDelivery.objects.get(subscription__email="reader2@example.org")
    assert waiting.next_attempt_at > timezone.now() + dt.timedelta(seconds=30) and waiting.last_error.startswith("451")

    for _ in range(2):  # time passes: the retries fall due
        DigestDelivery.objects.filter(state=DeliveryState.PENDING).update(next_attempt_at=timezone.now())
        DigestSender(issue).run()
    assert smtp.by_recipient() == {"reader0@example.org": 1, "reader2@example.org": 1}
    full = Subscription.objects.get(email="reader3@example.org")
    assert full.status == "suspended" and full.suspended_reason.startswith("gave up after 3 attempts: 452")
    assert DigestDelivery.objects.get(subscription=full).state == DeliveryState.FAILED
    assert Subscription.objects.get(email="reader2@example.org").status == "active"


def test_two_senders_never_claim_the_same_rows(smtp, issue, make_subscribers):
    make_subscribers(12)
    a, b = DigestSender(issue, batch_size=5), DigestSender(issue, batch_size=5)
    from dailypapers.digests.sending import prepare_deliveries

    assert prepare_deliveries(issue) == 12 and prepare_deliveries(issue) == 0
    claimed_a, claimed_b = {d.pk for d in a.claim()}, {d.pk for d in b.claim()}
    assert len(claimed_a) == len(claimed_b) == 5 and not claimed_a & claimed_b
    # A third sender sends only what nobody holds; the held rows go out once their holders let go.
    assert DigestSender(issue).run().outcomes["sent"] == 2
    a.release_claims(), b.release_claims()
    assert DigestSender(issue).run().outcomes["sent"] == 10
    assert smtp.by_recipient() == {f"reader{i}@example.org": 1 for i in range(12)}


def test_a_sender_that_dies_mid_run_loses_nobody(smtp, settings, issue, make_subscribers, monkeypatch):
    """An exception after k sends stands in for a crash; the claims come back after the lease."""
    make_subscribers(10)
    sender = DigestSender(issue, batch_size=10)
    real_send = sender.send_one
    calls = {"n": 0}

    def crash_after_four(*args, **kwargs):
        if calls["n"] == 4:
            raise KeyboardInterrupt("power cut")
        calls["n"] += 1
        return real_send(*args, **kwargs)

    monkeypatch.setattr(sender, "send_one", crash_after_four)
    with pytest.raises(KeyboardInterrupt):
        sender.run()
    assert DigestDelivery.objects.filter(state=DeliveryState.SENDING).count() == 6
    # This process is alive, so its claims wait for the lease to run out.
    assert recover_stale_claims(issue) == 0
    settings.DAILYPAPERS_DIGEST_CLAIM_LEASE_SECONDS = 0
    report = DigestSender(issue).run()
    assert report.recovered == 6 and report.outcomes["sent"] == 6
    assert smtp.by_recipient() == {f"reader{i}@example.org": 1 for i in range(10)}


def test_an_address_with_a_line_break_is_refused_at_send_time_and_others_still_get_theirs(smtp, issue, make_subscribers):
    make_subscribers(2)
    # Rows that bypassed the form's checks (an old import, the admin) must not inject headers.
    bad = Subscription.objects.create(email="x@example.org\r\nBcc: victim@example.org", confirmed_at=timezone.now())
    report = DigestSender(issue).run()
    assert report.outcomes["sent"] == 2 and report.outcomes["failed"] == 1
    assert smtp.by_recipient() == {"reader0@example.org": 1, "reader1@example.org": 1}
    assert all("victim" not in str(m) for m in smtp.messages)
    assert DigestDelivery.objects.get(subscription=bad).last_error.startswith("build:")


def test_unreachable_server_stops_the_run_and_keeps_every_row(settings, issue, make_subscribers):
    from tests.digests.conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    make_subscribers(3)
    report = DigestSender(issue).run()
    assert report.aborted.startswith("cannot reach the mail server") and report.outcomes["sent"] == 0
    assert DigestDelivery.objects.filter(state=DeliveryState.PENDING, attempts=0).count() == 3


def test_dry_run_builds_everything_and_records_nothing(smtp, sample_papers, make_subscribers):
    from dailypapers.digests.content import rank_issue

    make_subscribers(3)
    day = DailyEntry.objects.order_by("-date").values_list("date", flat=True).first()
    report = DigestSender(rank_issue("daily", day.isoformat())).run(dry_run=True)
    assert report.outcomes["built"] == 3
    assert smtp.messages == [] and DigestDelivery.objects.count() == 0
