"""Sending a digest issue through the outbox, exactly once per subscriber as far as SMTP allows.

1. ``prepare_deliveries``: one ``DigestDelivery`` row per receiving subscription (unique per issue, so
   re-runs and concurrent senders add nothing twice).
2. ``claim``: a batch of due ``pending`` rows becomes ``sending`` with one conditional UPDATE
   (``WHERE state='pending'``), which only one sender can win on SQLite and PostgreSQL alike.
3. send each claimed row over one SMTP connection and commit its outcome before the next one, so a
   crash leaves at most the single in-flight message in doubt.
4. claims of senders that died (same host, process gone) or outlived the lease go back to
   ``pending`` on the next run; nobody is skipped. The one message in flight at a crash is sent
   again unless the server had already accepted it in that instant.

SMTP errors: 4xx and connection failures are retried with exponential backoff; a 5xx refusal of
the recipient (or running out of attempts) fails the row and suspends the subscription, with the
reason shown in the admin.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import smtplib
import socket
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import get_connection
from django.db.models import F
from django.utils import timezone

from dailypapers.digests.content import IssueContent
from dailypapers.digests.message import build_message
from dailypapers.digests.models import DeliveryState, DigestDelivery, DigestIssue, Subscription

log = logging.getLogger(__name__)


class SmtpUnavailable(Exception):
    """The SMTP server cannot be reached or refuses our sender: stop; the rows wait for the next run."""


@dataclass
class SendReport:
    issue: DigestIssue
    dry_run: bool = False
    prepared: int = 0
    recovered: int = 0
    outcomes: Counter = field(default_factory=Counter)  # sent / retry / failed / suspended / skipped / built
    waiting: int = 0  # rows due later (backoff)
    aborted: str = ""

    def summary(self) -> str:
        parts = [f"{self.issue.frequency} digest {self.issue.period_key}:"]
        if self.dry_run:
            parts.append(f"dry run, {self.outcomes['built']} messages built, nothing sent")
        else:
            parts.append(f"{self.outcomes['sent']} sent")
            for name in ("retry", "failed", "suspended", "skipped"):
                if self.outcomes[name]:
                    parts.append(f"{self.outcomes[name]} {name}")
            if self.prepared:
                parts.append(f"({self.prepared} new in outbox)")
            if self.recovered:
                parts.append(f"{self.recovered} recovered from an interrupted sender")
            if self.waiting:
                parts.append(f"{self.waiting} waiting for retry")
        if self.aborted:
            parts.append(f"STOPPED: {self.aborted}")
        return " ".join(parts)


def worker_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


def _local_process_gone(claimed_by: str) -> bool:
    host, _, rest = claimed_by.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname()[:60] or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def recover_stale_claims(issue: DigestIssue, now: dt.datetime | None = None) -> int:
    """Give rows claimed by a dead sender, or claimed longer than the lease, back to ``pending``."""
    now = now or timezone.now()
    lease = dt.timedelta(seconds=settings.DAILYPAPERS_DIGEST_CLAIM_LEASE_SECONDS)
    claims = (
        DigestDelivery.objects.filter(issue=issue, state=DeliveryState.SENDING)
        .values_list("claimed_by", flat=True).distinct()
    )
    recovered = 0
    for claimed_by in list(claims):
        stale = DigestDelivery.objects.filter(issue=issue, state=DeliveryState.SENDING, claimed_by=claimed_by)
        if not _local_process_gone(claimed_by):
            stale = stale.filter(claimed_at__lt=now - lease)
        recovered += stale.update(state=DeliveryState.PENDING, claimed_by="", claimed_at=None)
    return recovered


def prepare_deliveries(issue: DigestIssue, chunk: int = 2000) -> int:
    """Add an outbox row for each receiving subscription of the issue's frequency that has none."""
    has_row = DigestDelivery.objects.filter(issue=issue).values("subscription_id")
    missing = (
        Subscription.objects.receiving().filter(frequency=issue.frequency).exclude(pk__in=has_row)
        .order_by("pk").values_list("pk", flat=True)
    )
    created = 0
    batch: list[DigestDelivery] = []
    for sub_id in missing.iterator(chunk_size=chunk):
        batch.append(DigestDelivery(issue=issue, subscription_id=sub_id))
        if len(batch) >= chunk:
            created += len(DigestDelivery.objects.bulk_create(batch, ignore_conflicts=True))
            batch = []
    if batch:
        created += len(DigestDelivery.objects.bulk_create(batch, ignore_conflicts=True))
    return created


def backoff(attempts: int) -> dt.timedelta:
    seconds = settings.DAILYPAPERS_DIGEST_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, settings.DAILYPAPERS_DIGEST_RETRY_MAX_SECONDS))


def _refusal(exc: Exception) -> tuple[int, str]:
    """(SMTP code or 0 for connection trouble, readable reason)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()), (0, b""))
        return code, f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return exc.smtp_code, f"{exc.smtp_code} {text}"
    return 0, f"{type(exc).__name__}: {exc}"


class DigestSender:
    """Sends one issue's due outbox rows; several may run at once (processes or hosts)."""

    def __init__(self, issue: DigestIssue, *, batch_size: int = 200, on_progress=None, connection=None):
        self.issue = issue
        self.batch_size = batch_size
        self.on_progress = on_progress or (lambda report: None)
        self.connection = connection
        self.worker = worker_id()
        self.content = IssueContent(issue)

    def run(self, *, dry_run: bool = False) -> SendReport:
        report = SendReport(self.issue, dry_run=dry_run)
        if dry_run:
            return self._dry_run(report)
        report.recovered = recover_stale_claims(self.issue)
        report.prepared = prepare_deliveries(self.issue)
        batch = self.claim()
        if not batch:
            return self._finish(report)
        connection = self.connection or get_connection(fail_silently=False)
        try:
            connection.open()  # one connection for the whole run, re-opened only if it drops
        except (OSError, smtplib.SMTPException) as exc:
            self.release_claims()
            report.aborted = f"cannot reach the mail server: {_refusal(exc)[1]}"
            return self._finish(report)
        try:
            while batch:
                try:
                    for delivery in batch:
                        self.send_one(delivery, connection, report)
                        self.on_progress(report)
                except SmtpUnavailable as exc:
                    report.aborted = str(exc)
                    self.release_claims()
                    break
                batch = self.claim()
        finally:
            try:
                connection.close()
            except Exception:  # closing a dead connection must not hide what happened
                pass
        return self._finish(report)

    def _finish(self, report: SendReport) -> SendReport:
        report.waiting = DigestDelivery.objects.filter(issue=self.issue, state=DeliveryState.PENDING).count()
        return report

    def _dry_run(self, report: SendReport) -> SendReport:
        """Build every message that a real run would send now, without sending or recording."""
        subs = Subscription.objects.receiving().filter(frequency=self.issue.frequency)
        if self.issue.pk:
            handled = DigestDelivery.objects.filter(issue=self.issue).exclude(state=DeliveryState.PENDING)
            subs = subs.exclude(pk__in=handled.values("subscription_id"))
        for sub in subs.iterator(chunk_size=2000):
            self.build(DigestDelivery(pk=0, issue=self.issue, subscription=sub))
            report.outcomes["built"] += 1
            self.on_progress(report)
        return report

    def build(self, delivery: DigestDelivery):
        message, selection = build_message(self.content, delivery)
        message.message()  # the MIME text, as a real send would produce it (raises on bad headers)
        return message, selection

    def claim(self) -> list[DigestDelivery]:
        now = timezone.now()
        due = DigestDelivery.objects.filter(issue=self.issue, state=DeliveryState.PENDING, next_attempt_at__lte=now)
        candidates = list(due.order_by("pk").values_list("pk", flat=True)[: self.batch_size])
        if not candidates:
            return []
        # The claim: only rows still pending change hands, so two senders never hold the same row.
        DigestDelivery.objects.filter(pk__in=candidates, state=DeliveryState.PENDING).update(
            state=DeliveryState.SENDING, claimed_by=self.worker, claimed_at=now
        )
        claimed = list(
            DigestDelivery.objects.filter(pk__in=candidates, state=DeliveryState.SENDING, claimed_by=self.worker)
            .select_related("subscription", "issue").order_by("pk")
        )
        if not claimed:  # another sender won every candidate; look again
            return self.claim()
        return claimed

    def release_claims(self) -> None:
        DigestDelivery.objects.filter(state=DeliveryState.SENDING, claimed_by=self.worker).update(
            state=DeliveryState.PENDING, claimed_by="", claimed_at=None
        )

    def _mine(self, delivery: DigestDelivery):
        return DigestDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.SENDING, claimed_by=self.worker)

    def send_one(self, delivery: DigestDelivery, connection, report: SendReport) -> None:
        sub = delivery.subscription
        if not sub.is_receiving:
            self._mine(delivery).update(state=DeliveryState.SKIPPED, claimed_by="")
            report.outcomes["skipped"] += 1
            return
        try:
            message, selection = build_message(self.content, delivery, connection)
            connection.send_messages([message])
        except ValueError as exc:  # BadHeaderError and friends: this mail will never build; say why
            log.exception("digest for subscription %s could not be built", sub.pk)
            self._mine(delivery).update(state=DeliveryState.FAILED, claimed_by="", last_error=f"build: {exc}"[:500])
            report.outcomes["failed"] += 1
            return
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as exc:
            self._retry(delivery, _refusal(exc)[1], report)
            self._reconnect(connection)
            return
        except smtplib.SMTPSenderRefused as exc:
            self._mine(delivery).update(state=DeliveryState.PENDING, claimed_by="", claimed_at=None)
            raise SmtpUnavailable(f"the mail server refuses our sender address: {_refusal(exc)[1]}") from exc
        except smtplib.SMTPException as exc:
            code, reason = _refusal(exc)
            if 500 <= code < 600:
                self._fail(delivery, reason, report, suspend=isinstance(exc, smtplib.SMTPRecipientsRefused))
            else:
                self._retry(delivery, reason, report)
            return
        except OSError as exc:  # socket trouble (SMTPException is an OSError too, handled above)
            self._retry(delivery, _refusal(exc)[1], report)
            self._reconnect(connection)
            return
        self._mine(delivery).update(
            state=DeliveryState.SENT, claimed_by="", sent_at=timezone.now(), attempts=F("attempts") + 1,
            message_id=message.extra_headers["Message-ID"], last_error="",
            paper_ids=list(selection.paper_ids), personal_paper_ids=[list(p) for p in selection.personal],
        )
        report.outcomes["sent"] += 1

    def _reconnect(self, connection) -> None:
        try:
            connection.close()
        except Exception:
            pass
        connection.connection = None
        try:
            connection.open()
        except (OSError, smtplib.SMTPException) as exc:
            raise SmtpUnavailable(f"lost the mail server: {_refusal(exc)[1]}") from exc

    def _retry(self, delivery: DigestDelivery, reason: str, report: SendReport) -> None:
        attempts = delivery.attempts + 1
        if attempts >= settings.DAILYPAPERS_DIGEST_MAX_ATTEMPTS:
            self._fail(delivery, f"gave up after {attempts} attempts: {reason}", report, suspend=True)
            return
        self._mine(delivery).update(
            state=DeliveryState.PENDING, claimed_by="", claimed_at=None, attempts=attempts,
            next_attempt_at=timezone.now() + backoff(attempts), last_error=reason[:500],
        )
        report.outcomes["retry"] += 1

    def _fail(self, delivery: DigestDelivery, reason: str, report: SendReport, *, suspend: bool) -> None:
        self._mine(delivery).update(
            state=DeliveryState.FAILED, claimed_by="", attempts=F("attempts") + 1, last_error=reason[:500]
        )
        report.outcomes["failed"] += 1
        if suspend:
            delivery.subscription.suspend(reason)
            report.outcomes["suspended"] += 1


def next_retry_at(issue: DigestIssue) -> dt.datetime | None:
    return (
        DigestDelivery.objects.filter(issue=issue, state=DeliveryState.PENDING)
        .order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first()
    )
