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
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DAILYPAPERS_BASE_URL"}}
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


def test_a_newcomers_first_hour(serve, tmp_path):
    """README path on a fresh data dir: ingest before anything else, serve on a non-default port,
    subscribe, and every mailed link reaches the server that sent it; account mails name the site."""
    import email
    import http.cookiejar
    import re
    import urllib.parse

    data_dir = tmp_path / "fresh"
    records = tmp_path / "papers.jsonl"
    records.write_text(json.dumps({"id": "2411.00001", "title": "A first paper", "daily_date": "2026-01-05"}) + "\n")
    # No migrate first: the command applies what a new data dir lacks (was: "no such table: ingest_ingestrun").
    result = subprocess.run([sys.executable, "-m", "dailypapers", "ingest", "jsonl", str(records)],
                            env=cli_env(data_dir), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "1 created" in result.stdout, result.stdout + result.stderr

    url, _ = serve("fresh")  # serve() puts the fixture's data dirs under tmp_path by name
    port = urllib.parse.urlsplit(url).port
    assert port != 8000
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def form_post(path, fields):
        page = browser.open(url + path, timeout=10).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        request = urllib.request.Request(url + path, data=data, headers={"Referer": url + path})
        return browser.open(request, timeout=10)

    assert form_post("/digests/subscribe", {"email": "newcomer@example.org", "frequency": "daily"}).status == 200
    form_post("/accounts/signup/", {"email": "member@example.org", "username": "member",
                                     "password1": "a long passphrase 9", "password2": "a long passphrase 9"})
    mails = [email.message_from_string(m) for f in sorted((data_dir / "sent-mail").iterdir())
             for m in f.read_text().split("\n" + "-" * 79 + "\n") if m.strip()]
    digest_mail = next(m for m in mails if "digest" in m["Subject"].lower())
    account_mail = next(m for m in mails if m["To"] == "member@example.org")
    assert "example.com" not in account_mail["Subject"] and "Daily Papers" in account_mail["Subject"]
    text = "".join(part.get_payload(decode=True).decode() for part in digest_mail.walk() if not part.is_multipart())
    links = set(re.findall(r"https?://[^\s\"<>]+", text))
    assert links and all(link.startswith(f"http://127.0.0.1:{port}/") for link in links), links
    for link in links:
        assert browser.open(link, timeout=10).status == 200, link


def sent_mails(data_dir):
    import email
    import email.policy

    return [email.message_from_string(m, policy=email.policy.default) for f in sorted((data_dir / "sent-mail").iterdir())
            for m in f.read_text().split("\n" + "-" * 79 + "\n") if m.strip()]


def test_a_digest_sent_from_the_cli_links_to_the_port_served(serve, tmp_path):
    """Issue 29: `dailypapers digests send` in another shell (no DAILYPAPERS_BASE_URL) linked every
    paper, page and the List-Unsubscribe header to port 8000 while `serve --port N` served the site.
    One rule (lib.siteurl): the address serve recorded at start."""
    import http.cookiejar
    import re
    import urllib.parse

    data_dir = tmp_path / "mailer"
    records = tmp_path / "papers.jsonl"
    records.write_text("".join(json.dumps({"id": f"2411.0000{i}", "title": f"Paper number {i}", "daily_date": "2026-01-05",
                                            "upvotes": i}) + "\n" for i in range(1, 4)))
    result = subprocess.run([sys.executable, "-m", "dailypapers", "ingest", "jsonl", str(records)],
                            env=cli_env(data_dir), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    url, _ = serve("mailer")
    assert urllib.parse.urlsplit(url).port != 8000
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def form_post(page_url, fields):
        page = browser.open(page_url, timeout=10).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        return browser.open(urllib.request.Request(page_url, data=data, headers={"Referer": page_url}), timeout=10)

    form_post(url + "/digests/subscribe", {"email": "reader@example.org", "frequency": "daily"})
    confirmation = next(m for m in sent_mails(data_dir) if "Confirm" in m["Subject"])
    confirm_url = re.search(r"https?://\S+/digests/confirm/\S+", confirmation.get_body(("plain",)).get_content())[0]
    # The token is the credential (the confirm page's form carries no CSRF token): one POST confirms.
    assert browser.open(urllib.request.Request(confirm_url, data=b"", headers={"Referer": confirm_url}), timeout=10).status == 200

    result = subprocess.run([sys.executable, "-m", "dailypapers", "digests", "send", "--period", "2026-01-05"],
                            env=cli_env(data_dir), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "1 sent" in result.stdout, result.stdout + result.stderr
    digest = next(m for m in sent_mails(data_dir) if m["List-Unsubscribe"])
    unsubscribe = " ".join(digest["List-Unsubscribe"].split())  # a folded header unfolds with a leading space
    assert unsubscribe.startswith(f"<{url}/digests/u/"), unsubscribe
    text = "".join(part.get_content() for part in digest.walk() if not part.is_multipart())
    links = [x.rstrip(".,;") for x in re.findall(r"https?://[^\s\"'<>()]+", text)]
    assert len(links) >= 10 and all(link.startswith(url + "/") for link in links), links
    for link in sorted(set(links)):
        try:
            status = browser.open(link, timeout=10).status
        except urllib.error.HTTPError as exc:
            status = exc.code
        assert status == 200, link


@pytest.mark.parametrize(
    "host, port, base, local",
    [("127.0.0.1", 18600, "http://127.0.0.1:18600", True), ("localhost", 80, "http://localhost:80", True),
     ("0.0.0.0", 8000, "http://127.0.0.1:8000", False), ("::1", 9000, "http://[::1]:9000", True),
     ("papers.example.org", 8080, "http://papers.example.org:8080", False)],
)
def test_serve_defaults_the_mailed_base_url_to_what_it_serves(host, port, base, local):
    from dailypapers.cli import default_base_url, is_local_host

    assert default_base_url(host, port) == base
    assert is_local_host(host) is local


def test_serve_runs_one_web_process_per_core_unless_told(monkeypatch):
    from dailypapers.cli import default_web_workers

    monkeypatch.delenv("DAILYPAPERS_WEB_WORKERS", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    assert default_web_workers() == 3
    monkeypatch.setenv("DAILYPAPERS_WEB_WORKERS", "5")
    assert default_web_workers() == 5
