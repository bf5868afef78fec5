"""`dailypapers digests send` as separate processes: killed mid-run, resumed, and two at once."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys

import pytest

N = 30


def run_cli(env, *args, check=True):
    result = subprocess.run([sys.executable, "-m", "dailypapers", *args], env=env, capture_output=True, text=True,
                            timeout=120)
    if check and result.returncode != 0:
        pytest.fail(f"dailypapers {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def base_env(data_dir) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
    env["DAILYPAPERS_DATA_DIR"] = str(data_dir)
    return env


@pytest.fixture(scope="module")
def prepared_site(tmp_path_factory):
    """Built once: a data dir with the sample papers and N confirmed subscribers (+1 unconfirmed)."""
    data_dir = tmp_path_factory.mktemp("digest-site") / "data"
    env = base_env(data_dir)
    run_cli(env, "migrate", "-v0")
    run_cli(env, "ingest", "sample")
    run_cli(env, "shell", "-c", (
        "from django.utils import timezone\n"
        "from dailypapers.digests.models import Subscription\n"
        f"Subscription.objects.bulk_create(Subscription(email=f'r{{i}}@example.org', confirmed_at=timezone.now()) "
        f"for i in range({N}))\n"
        "Subscription.objects.create(email='unconfirmed@example.org')\n"
    ))
    return data_dir


@pytest.fixture
def site(tmp_path, prepared_site, smtp_sink):
    """A private copy of the prepared site, mailing the loopback SMTP sink."""
    sink, port = smtp_sink
    data_dir = tmp_path / "data"
    shutil.copytree(prepared_site, data_dir)
    env = base_env(data_dir)
    env.update(DAILYPAPERS_EMAIL_HOST="127.0.0.1", DAILYPAPERS_EMAIL_PORT=str(port),
               DAILYPAPERS_EMAIL_USE_TLS="0", DAILYPAPERS_EMAIL_USE_SSL="0")
    return sink, env


def test_killed_sender_resumes_and_everyone_gets_exactly_one(site):
    sink, env = site
    period = dt.date.today().isoformat()
    sink.stall_at = 8  # the 8th message is on the wire when the sender dies
    proc = subprocess.Popen([sys.executable, "-m", "dailypapers", "digests", "send", "--period", period,
                             "--batch-size", "5"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert sink.stalled.wait(60), "sender never reached the 8th message"
        proc.kill()
        proc.wait(10)
    finally:
        sink.release.set()
    assert len(sink.messages) == 7
    sink.stall_at = None

    result = run_cli(env, "digests", "send", "--period", period)
    assert "recovered from an interrupted sender" in result.stdout
    assert sink.by_recipient() == {f"r{i}@example.org": 1 for i in range(N)}
    again = run_cli(env, "digests", "send", "--period", period)
    assert "0 sent" in again.stdout and len(sink.messages) == N


def test_two_senders_at_once_send_each_message_once(site):
    sink, env = site
    period = dt.date.today().isoformat()
    args = [sys.executable, "-m", "dailypapers", "digests", "send", "--period", period, "--batch-size", "3"]
    procs = [subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    assert sink.by_recipient() == {f"r{i}@example.org": 1 for i in range(N)}
    assert "unconfirmed@example.org" not in sink.by_recipient()


def test_bad_period_is_a_clear_error(site):
    _, env = site
    result = run_cli(env, "digests", "send", "--period", "2026-13-45", check=False)
    assert result.returncode != 0 and "not a valid day" in result.stderr
