"""`dailypapers serve` as a newcomer runs it: a real server process answering real HTTP."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli_env(data_dir):
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
    env["DAILYPAPERS_DATA_DIR"] = str(data_dir)
    return env


def get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()


@pytest.fixture
def serve(tmp_path):
    procs = []

    def start(name):
        data_dir, port = tmp_path / name, free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "dailypapers", "serve", "--port", str(port), "--no-worker"],
            env=cli_env(data_dir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        procs.append(proc)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"serve exited: {proc.stdout.read()}")
            try:
                get(f"http://127.0.0.1:{port}/about/ranking")
                return f"http://127.0.0.1:{port}", data_dir
            except OSError:
                time.sleep(0.3)
        pytest.fail("server did not answer within 60 s")

    yield start
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_serve_migrates_loads_the_sample_and_answers(serve):
    url, data_dir = serve("one")
    status, html = get(url + "/")
    assert status == 200
    assert "paper-card" in html and "Daily Papers" in html
    status, css = get(url + "/static/dailypapers/site.css")
    assert status == 200 and ".paper-card" in css
    assert (data_dir / "dailypapers.sqlite3").exists() and (data_dir / "secret_key").exists()
    with pytest.raises(urllib.error.HTTPError) as err:
        get(url + "/papers/2999.99999")
    assert err.value.code == 404


def test_two_instances_with_different_data_dirs_share_nothing(serve, tmp_path):
    url_a, dir_a = serve("a")
    url_b, dir_b = serve("b")
    assert (dir_a / "secret_key").read_text() != (dir_b / "secret_key").read_text()
    extra = tmp_path / "extra.jsonl"
    extra.write_text(json.dumps({"id": "2411.99999", "title": "Only in instance A", "daily_date": "2026-01-05"}) + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "dailypapers", "ingest", "jsonl", str(extra)],
        env=cli_env(dir_a), capture_output=True, text=True, timeout=60,
    )
    assert "1 created" in result.stdout, result.stdout + result.stderr
    assert "Only in instance A" in get(url_a + "/papers/2411.99999")[1]
    with pytest.raises(urllib.error.HTTPError) as err:
        get(url_b + "/papers/2411.99999")
    assert err.value.code == 404


def test_serve_runs_one_web_process_per_core_unless_told(monkeypatch):
    from dailypapers.cli import default_web_workers

    monkeypatch.delenv("DAILYPAPERS_WEB_WORKERS", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    assert default_web_workers() == 3
    monkeypatch.setenv("DAILYPAPERS_WEB_WORKERS", "5")
    assert default_web_workers() == 5
