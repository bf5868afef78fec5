"""The site-wide spacing of requests to arXiv (API and OAI-PMH): DAILYPAPERS_ARXIV_REQUEST_DELAY apart.

The slot is reserved in the database (:class:`~dailypapers.ingest.models.ArxivRequestSlot`), so the
spacing holds across web processes, workers and hosts, not only within one client object.
"""

from __future__ import annotations

import time

from django.conf import settings

from dailypapers.ingest.models import ArxivRequestSlot


def wait_for_arxiv_slot(max_wait: float | None = None) -> bool:
    """Sleep until this request may go to arXiv; True when it may be sent now.

    With ``max_wait``, returns False at once (nothing reserved) when the next slot is further away,
    so a request thread can hand the work to the worker instead of sleeping.
    """
    slot = ArxivRequestSlot.reserve(settings.DAILYPAPERS_ARXIV_REQUEST_DELAY, max_wait)
    if slot is None:
        return False
    if (wait := slot - time.time()) > 0:
        time.sleep(wait)
    return True
