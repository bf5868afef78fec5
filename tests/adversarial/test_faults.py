"""Faults: a remote that accepts connections and never answers."""

import socket
import threading
import time

import pytest
from django.core.mail.backends import filebased
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


def test_kill_9_mid_jsonl_import_then_rerun_leaves_every_record_once(tmp_path):
    """A ``dailypapers ingest jsonl`` process killed with SIGKILL mid-run; the rerun completes it."""
    import json
    import os
    import signal
    import sqlite3
    import subprocess
    import sys

    def cli_env(data_dir):  # the real settings over a fresh data directory (not the test settings)
        env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
        env["DAILYPAPERS_DATA_DIR"] = str(data_dir)
        return env

    records, authors_per_paper = 6000, 3
    source = tmp_path / "big.jsonl"
    with source.open("w") as out:
        for i in range(records):
            out.write(json.dumps({
                "id": f"2501.{i:05d}", "title": f"Generated paper {i}", "abstract": "Words " * 40,
                "authors": [f"Author {i}-{a}" for a in range(authors_per_paper)], "categories": ["cs.LG"],
                "published": "2025-01-02",
            }) + "\n")
    data_dir = tmp_path / "data"
    env = cli_env(data_dir)
    cli = [sys.executable, "-m", "dailypapers"]
    subprocess.run([*cli, "migrate", "-v", "0"], env=env, check=True, timeout=120)
    [db_file] = list(data_dir.glob("*.sqlite3"))

    def papers() -> int:
        with sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, timeout=5) as db:
            return db.execute("select count(*) from papers_paper").fetchone()[0]

    proc = subprocess.Popen([*cli, "ingest", "jsonl", str(source)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if papers() > 0:
                break
        except sqlite3.OperationalError:
            pass
        time.sleep(0.05)
    assert proc.poll() is None, "the import finished before it could be killed: make the file bigger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert papers() < records, "killed mid-run"

    subprocess.run([*cli, "ingest", "jsonl", str(source)], env=env, check=True, timeout=300, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with sqlite3.connect(f"file:{db_file}?mode=ro", uri=True) as db:
        assert db.execute("select count(*), count(distinct id) from papers_paper").fetchone() == (records, records)
        per_paper = db.execute(
            "select p.id, count(a.id) from papers_paper p left join papers_authorship a on a.paper_id = p.id group by p.id"
        ).fetchall()
    assert {n for _, n in per_paper} == {authors_per_paper}, "a half-written paper (authorships missing or doubled)"


# -- a full disk under the file-based mail directory ----------------------------------------------


class FullDiskBackend(filebased.EmailBackend):
    """The file-based backend writing into /dev/full: every write fails with ENOSPC, as on a full disk."""

    def _get_filename(self):
        return "/dev/full"


@pytest.fixture
def full_mail_disk(settings, tmp_path):
    settings.EMAIL_BACKEND = f"{__name__}.FullDiskBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    return settings


def test_subscribing_with_a_full_mail_disk_answers_503_with_a_message(full_mail_disk, client, db):
    response = client.post("/digests/subscribe", {"email": "ada@example.org", "frequency": "daily"})
    assert response.status_code == 503
    assert "try again" in response.content.decode()


def test_a_digest_send_with_a_full_mail_disk_loses_no_delivery(full_mail_disk, catalog):
    from django.utils import timezone

    from dailypapers.digests.content import get_or_create_issue
    from dailypapers.digests.models import DeliveryState, DigestDelivery, Subscription
    from dailypapers.digests.sending import DigestSender

    Subscription.objects.create(email="ada@example.org", frequency="daily", confirmed_at=timezone.now())
    issue = get_or_create_issue("daily", catalog.isoformat())
    report = DigestSender(issue).run()
    [delivery] = DigestDelivery.objects.filter(issue=issue)
    assert delivery.state == DeliveryState.PENDING, "kept for a retry"
    assert delivery.last_error, "the failure is recorded"
    assert report.outcomes["sent"] == 0

    full_mail_disk.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    DigestDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())  # the retry is due
    DigestSender(issue).run()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT


def test_submissions_while_arxiv_hangs_do_not_stall_other_pages(tmp_path, hanging_remote):
    """8 concurrent submissions of unknown papers (the server has 8 request threads) while arXiv
    accepts connections and never answers: they answer 202 quickly and an unrelated page keeps its latency."""
    import json
    import os
    import subprocess
    import sys
    import urllib.error
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
    env.update(DAILYPAPERS_DATA_DIR=str(tmp_path / "data"), DAILYPAPERS_ARXIV_API_URL=hanging_remote, DAILYPAPERS_ARXIV_TIMEOUT="30")
    cli = [sys.executable, "-m", "dailypapers"]
    server = subprocess.Popen([*cli, "serve", "--port", str(port), "--no-worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"

    def fetch(path, data=None, headers=None):
        request = urllib.request.Request(base + path, data=data, headers=headers or {})
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, body = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read().decode()
        return status, body, time.monotonic() - started

    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, "serve exited"
            try:
                fetch("/about/ranking")
                break
            except OSError:
                assert time.monotonic() < deadline, "server did not answer"
                time.sleep(0.3)
        make_token = (
            "from django.contrib.auth import get_user_model; from dailypapers.accounts.models import ApiToken; "
            "print(ApiToken.issue(get_user_model().objects.create_user('ada', 'ada@example.org', 'pw-ada-12345'), 't')[1])"
        )
        token = subprocess.run([*cli, "shell", "-c", make_token], env=env, check=True, capture_output=True, text=True, timeout=120).stdout.split()[-1]
        _, _, normal = fetch("/about/ranking")

        def submit(n):
            body = json.dumps({"paper": f"2611.0{n:04d}"}).encode()
            return fetch("/api/v1/submissions", body, {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})

        with ThreadPoolExecutor(8) as pool:
            submissions = [pool.submit(submit, n) for n in range(1, 9)]
            time.sleep(0.5)  # all eight in flight
            status, _, during = fetch("/about/ranking")
            results = [f.result() for f in submissions]
        assert status == 200 and during < max(1.0, 5 * normal), (during, normal)
        assert [r[0] for r in results] == [202] * 8, [r[:2] for r in results]
        assert all(json.loads(r[1])["status"] == "fetching" for r in results)
        # at most the small pool waits for arXiv (within the submission timeout); the rest answer at once
        times = sorted(r[2] for r in results)
        assert times[-1] < 8, times
        assert times[5] < 2, times
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
