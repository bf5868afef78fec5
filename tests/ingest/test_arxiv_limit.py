"""One arXiv request slot for the whole site: requests from any process or thread go out >= the delay apart."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from dailypapers.ingest.models import ArxivRequestSlot
from dailypapers.ingest.sources.arxiv_limit import wait_for_arxiv_slot

pytestmark = pytest.mark.django_db(transaction=True)

DELAY = 0.3


def test_threads_with_their_own_connections_get_slots_at_least_the_delay_apart():
    start = threading.Barrier(4)

    def reserve_three(_):
        start.wait()
        try:
            return [ArxivRequestSlot.reserve(DELAY) for _ in range(3)]
        finally:
            connections.close_all()  # this thread's own connection

    with ThreadPoolExecutor(4) as pool:
        slots = sorted(t for batch in pool.map(reserve_three, range(4)) for t in batch)
    gaps = [b - a for a, b in zip(slots, slots[1:])]
    assert len(slots) == 12 and min(gaps) >= DELAY - 1e-6, gaps


def test_a_request_waits_for_its_slot(settings):
    settings.DAILYPAPERS_ARXIV_REQUEST_DELAY = DELAY
    started = time.monotonic()
    for _ in range(3):
        assert wait_for_arxiv_slot()
    assert time.monotonic() - started >= 2 * DELAY - 0.02  # the first goes at once, each next one a delay later


def test_a_caller_that_will_not_wait_long_gets_no_slot_and_moves_nothing(settings):
    settings.DAILYPAPERS_ARXIV_REQUEST_DELAY = 5
    now = time.time()
    assert ArxivRequestSlot.reserve(5, max_wait=1.0) == pytest.approx(now, abs=1)  # free now
    next_at = ArxivRequestSlot.objects.get().next_at
    assert ArxivRequestSlot.reserve(5, max_wait=1.0) is None  # the next one is ~5 s away
    assert ArxivRequestSlot.objects.get().next_at == next_at
    assert wait_for_arxiv_slot(max_wait=1.0) is False
    assert ArxivRequestSlot.reserve(5) == pytest.approx(next_at)  # a caller that waits is given the next slot
    assert ArxivRequestSlot.objects.get().next_at == pytest.approx(next_at + 5)
