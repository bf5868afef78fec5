"""A real SMTP server on loopback (aiosmtpd) that records, refuses or stalls on cue."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections import Counter

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from dailypapers.digests.models import Subscription


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """Handler for aiosmtpd: keeps every accepted message, parsed.

    ``refuse[address] = [reply, ...]`` answers RCPT for that address with the next reply in the list
    (then accepts once the list is used up); ``stall_at = n`` makes the n-th DATA wait for
    ``release`` and then fail with 451, so a test can kill the client while a message is in flight.
    """

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.peers: set = set()
        self.refuse: dict[str, list[str]] = {}
        self.rcpt_replies: Counter = Counter()
        self.stall_at: int | None = None
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.data_count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        replies = self.refuse.get(address)
        if replies:
            reply = replies.pop(0)
            self.rcpt_replies[(address, reply[:3])] += 1
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.data_count += 1
            number = self.data_count
        if self.stall_at is not None and number == self.stall_at:
            self.stalled.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 60)
            return "451 4.3.0 aborted"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
            self.peers.add(session.peer)
        return "250 2.0.0 accepted"

    def by_recipient(self) -> Counter:
        return Counter(m["To"] for m in self.messages)


@pytest.fixture
def smtp_sink():
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield sink, controller.port
    sink.release.set()
    controller.stop()


@pytest.fixture
def smtp(settings, smtp_sink):
    """Django mail goes to the loopback SMTP server (the test runner's default is in-memory)."""
    sink, port = smtp_sink
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    return sink


@pytest.fixture
def make_subscribers(db):
    def make(n: int, *, frequency: str = "daily", prefix: str = "reader", **fields) -> list[Subscription]:
        now = timezone.now()
        Subscription.objects.bulk_create(
            Subscription(email=f"{prefix}{i}@example.org", frequency=frequency, confirmed_at=now, **fields)
            for i in range(n)
        )
        return list(Subscription.objects.filter(email__startswith=prefix).order_by("pk"))

    return make
