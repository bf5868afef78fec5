"""Rate limits hold across processes (counters in the database) and key clients behind trusted proxies."""

import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection, connections
from django.test import RequestFactory

from dailypapers.lib.ratelimit import RateLimited, client_key, count_per_minute
from dailypapers.throttle.models import RateCounter


@pytest.mark.django_db(transaction=True)
def test_threads_with_their_own_connections_never_lose_a_hit():
    start = threading.Barrier(4)

    def hits(_):
        start.wait()
        try:
            return [RateCounter.objects.hit("write:member:7", 1000) for _ in range(10)]
        finally:
            connections.close_all()  # this thread's own connection

    with ThreadPoolExecutor(4) as pool:
        counts = [c for batch in pool.map(hits, range(4)) for c in batch]
    assert sorted(counts) == list(range(1, 41))  # each hit saw its own count: none lost, none doubled
    assert RateCounter.objects.get(bucket_key="write:member:7", minute=1000).hits == 40


@pytest.mark.django_db(transaction=True)
def test_a_limit_holds_across_two_processes():
    """Another process spends part of a member's budget; this one gets only the rest. (A fixed
    minute, so a slow subprocess start cannot carry the hits into the next minute's counter.)"""
    db_name = connection.settings_dict["NAME"]
    if connection.vendor != "sqlite":
        pytest.skip("the second process is pointed at the test database by its SQLite file")
    minute = 29_000_000  # a minute in 2025
    script = (
        "import django; django.setup()\n"
        "from dailypapers.lib.ratelimit import count_per_minute\n"
        f"import time; time.time = lambda: {minute} * 60 + 1\n"
        "for _ in range(6): count_per_minute('member:42', scope='write', per_minute=10)\n"
    )
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_name}", "DJANGO_SETTINGS_MODULE": "tests.settings"}
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=120, cwd=Path(__file__).resolve().parent.parent)
    with mock.patch("dailypapers.lib.ratelimit.time.time", return_value=minute * 60 + 2):
        for _ in range(4):
            count_per_minute("member:42", scope="write", per_minute=10)
        with pytest.raises(RateLimited):
            count_per_minute("member:42", scope="write", per_minute=10)
    assert RateCounter.objects.get(bucket_key="write:member:42", minute=minute).hits == 11


@pytest.mark.django_db
def test_old_minutes_are_pruned():
    RateCounter.objects.create(bucket_key="search:ip:x", minute=10, hits=3)
    RateCounter.objects.hit("search:ip:y", 500)
    assert not RateCounter.objects.filter(minute=10).exists()


def request_from(remote: str, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/search", **meta)


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    settings.DAILYPAPERS_TRUSTED_PROXIES = []
    assert client_key(request_from("198.51.100.7", "203.0.113.1")) == "ip:198.51.100.7"


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored(settings):
    settings.DAILYPAPERS_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_key(request_from("198.51.100.7", "203.0.113.1")) == "ip:198.51.100.7"
    assert client_key(request_from("198.51.100.7", "10.0.0.5")) == "ip:198.51.100.7"


def test_behind_a_trusted_proxy_two_clients_get_two_keys(settings):
    settings.DAILYPAPERS_TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.10"]
    first = client_key(request_from("10.1.2.3", "203.0.113.1"))
    second = client_key(request_from("10.1.2.3", "203.0.113.2"))
    assert (first, second) == ("ip:203.0.113.1", "ip:203.0.113.2")


def test_the_right_most_untrusted_address_wins_over_what_the_client_prepended(settings):
    settings.DAILYPAPERS_TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.10"]
    # the client sent "X-Forwarded-For: 1.1.1.1"; the edge proxy appended the real peer, then an inner proxy
    assert client_key(request_from("10.1.2.3", "1.1.1.1, 203.0.113.9, 192.0.2.10")) == "ip:203.0.113.9"
    assert client_key(request_from("10.1.2.3", "2001:db8::1")) == "ip:2001:db8::1"
    assert client_key(request_from("10.1.2.3", "not-an-address")) == "ip:10.1.2.3"
    assert client_key(request_from("10.1.2.3")) == "ip:10.1.2.3"


@pytest.mark.django_db
def test_an_hourly_window_counts_across_its_minutes_and_survives_their_pruning():
    """A longer window (the hourly notification limit) is one counter for the whole hour: the
    per-minute pruning other limits trigger does not reset it; the next hour starts afresh."""
    from dailypapers.lib.ratelimit import check_rate

    hour_start = 29_000_040 * 60  # a whole hour (minute 29,000,040 = 483,334 h)
    for minute in range(0, 60, 12):  # five hits, in five different minutes of the hour
        with mock.patch("dailypapers.lib.ratelimit.time.time", return_value=hour_start + minute * 60 + 5):
            count_per_minute("member:1", per_minute=100)  # another limit's hit prunes old minutes
            check_rate("notify:member:1", 5, 3600)
    with mock.patch("dailypapers.lib.ratelimit.time.time", return_value=hour_start + 59 * 60):
        with pytest.raises(RateLimited) as caught:
            check_rate("notify:member:1", 5, 3600)
    assert caught.value.retry_after == 60  # the end of the hour
    with mock.patch("dailypapers.lib.ratelimit.time.time", return_value=hour_start + 3600 + 1):
        check_rate("notify:member:1", 5, 3600)  # a new hour
