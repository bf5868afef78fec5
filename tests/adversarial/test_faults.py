"""Faults: a remote that accepts connections and never answers."""

import socket
import threading
import time

import pytest
from django.core.management import CommandError, call_command

from dailypapers.papers.models import Paper


@pytest.fixture
def hanging_remote():
    """A loopback server that accepts every connection and never sends a byte."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held, stop = [], threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/api/query"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


TIMEOUT = 1.0


@pytest.mark.django_db
def test_arxiv_id_ingest_gives_up_on_a_hanging_remote(settings, hanging_remote):
    settings.DAILYPAPERS_ARXIV_API_URL = hanging_remote
    settings.DAILYPAPERS_ARXIV_TIMEOUT = TIMEOUT
    started = time.monotonic()
    with pytest.raises(CommandError) as excinfo:
        call_command("ingest", "arxiv-id", "2406.01234", verbosity=0)
    elapsed = time.monotonic() - started
    # Retries may happen, but bounded: a few timeouts, not forever.
    assert elapsed < 20 * TIMEOUT, elapsed
    assert str(excinfo.value).strip(), "the error says what went wrong"
    assert not Paper.objects.exists()


@pytest.mark.django_db
def test_oai_harvest_gives_up_on_a_hanging_remote(settings, hanging_remote):
    settings.DAILYPAPERS_ARXIV_OAI_URL = hanging_remote
    settings.DAILYPAPERS_ARXIV_TIMEOUT = TIMEOUT
    started = time.monotonic()
    with pytest.raises(CommandError) as excinfo:
        call_command("ingest", "arxiv-oai", "--set", "cs", verbosity=0)
    assert time.monotonic() - started < 60 * TIMEOUT
    assert "checkpoint" in str(excinfo.value)
