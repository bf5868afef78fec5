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


def test_threads_with_their_own_connections_get_slots_at_least_the_delay_apart(settings):
    settings.DAILYPAPERS_ARXIV_REQUEST_DELAY = DELAY
    start = threading.Barrier(3)

    def send_two(_):
        start.wait()
        sent = []
        try:
            for _ in range(2):
                assert wait_for_arxiv_slot()
                sent.append(time.time())  # when this "request" goes out
        finally:
            connections.close_all()  # this thread's own connection
        return sent

    with ThreadPoolExecutor(3) as pool:
        sent = sorted(t for batch in pool.map(send_two, range(3)) for t in batch)
    gaps = [b - a for a, b in zip(sent, sent[1:])]
    assert len(sent) == 6 and min(gaps) >= DELAY - 0.02, gaps


def test_a_caller_that_will_not_wait_long_gets_no_slot_and_moves_nothing(settings):
    settings.DAILYPAPERS_ARXIV_REQUEST_DELAY = 5
    assert ArxivRequestSlot.reserve(5, max_wait=1.0) == 0  # free now
    next_at = ArxivRequestSlot.objects.get().next_at
    assert ArxivRequestSlot.reserve(5, max_wait=1.0) is None  # the next one is ~5 s away
    assert ArxivRequestSlot.objects.get().next_at == next_at
    assert wait_for_arxiv_slot(max_wait=1.0) is False
    assert 4 < ArxivRequestSlot.reserve(5) <= 5  # a caller that waits is given the next slot
    assert ArxivRequestSlot.objects.get().next_at == pytest.approx(next_at + 5)
