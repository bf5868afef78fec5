"""Read paths under load (issue 16): `wrk` on loopback against a real `dailypapers serve` of the demo.

Loads each page anonymously and logged in (a member's session cookie), with a static file as the
ceiling in the same run, and prints req/s, p50/p99 and errors per URL, and each one's ratio to the
static file. In the middle of the anonymous day-page run a member votes (over HTTP, with CSRF, as a
browser does); the next anonymous request must show the new count. Usage:

    apt-get install -y wrk
    .venv/bin/python bench/web_pages.py [--seconds 30] [--connections 64] [--workers N] [--threads 8]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from web_server import free_port, wait_until_up, wrk  # noqa: E402  (the sibling bench's helpers)


def member_session(env: dict[str, str]) -> str:
    """A member and a logged-in session for them, made in the bench's database; the session key."""
    code = (
        "import django; django.setup()\n"
        "from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY\n"
        "from django.contrib.sessions.backends.db import SessionStore\n"
        "u = get_user_model().objects.create_user('bench', 'bench@example.org', 'bench-password-9')\n"
        "s = SessionStore(); s[SESSION_KEY] = str(u.pk); s[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'\n"
        "s[HASH_SESSION_KEY] = u.get_session_auth_hash(); s.create(); print(s.session_key)\n"
    )
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.strip()


def card_count(html: str, paper_id: str) -> int:
    card = html[html.index(f'id="paper-{re.sub(r"[^a-z0-9-]", "", paper_id.lower())}"'):]
    return int(re.search(r'data-testid="upvote-count">(\d+)<', card).group(1))


def vote_then_read(base: str, session_key: str, paper_id: str) -> tuple[int, int]:
    """Vote as the member (CSRF token from the page, as a browser does), then read the day page anonymously."""
    before = card_count(urllib.request.urlopen(base + "/").read().decode(), paper_id)
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    host = urllib.parse.urlsplit(base).hostname
    jar.set_cookie(http.cookiejar.Cookie(0, "sessionid", session_key, None, False, host, False, False, "/", True,
                                         False, None, False, None, None, {}))
    page = opener.open(base + "/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"voted": "1", "next": "/", "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(f"{base}/papers/{paper_id}/upvote", data=body, headers={"Referer": base + "/"})
    opener.open(request).read()
    after = card_count(urllib.request.urlopen(base + "/").read().decode(), paper_id)
    return before, after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="per URL (the issue measures 30)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=None, help="web processes (default: serve's, one per core)")
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="dailypapers-bench-pages-"))
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(DAILYPAPERS_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="dailypapers.settings")
    subprocess.run([sys.executable, "-m", "dailypapers", "migrate", "-v0"], env=env, check=True)
    subprocess.run([sys.executable, "-m", "dailypapers", "ingest", "sample"], env=env, check=True, capture_output=True)
    session_key = member_session(env)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "dailypapers", "serve", "--port", str(port), "--threads", str(args.threads), "--no-worker", "--no-sample"]
    if args.workers:
        command += ["--workers", str(args.workers)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    results: list[tuple[str, str, dict]] = []
    vote = None
    try:
        wait_until_up(base + "/", proc)
        day_html = urllib.request.urlopen(base + "/").read().decode()
        paper_id = re.search(r'action="/papers/([^"]+)/upvote"', day_html).group(1)
        urls = {
            "static file (ceiling)": "/static/dailypapers/site.css",
            "day page /": "/",
            "trending": "/papers/trending",
            "paper page": f"/papers/{paper_id}",
            "/api/daily_papers": "/api/daily_papers",
            "/feeds/daily.rss": "/feeds/daily.rss",
        }
        member_urls = ["day page /", "trending", "paper page"]
        for who, headers in (("anonymous", {}), ("member", {"Cookie": f"sessionid={session_key}"})):
            for name, path in urls.items():
                if who == "member" and name not in member_urls:
                    continue
                wrk(base + path, 2, args.connections, headers)  # warm-up
                voter = None
                if who == "anonymous" and path == "/":
                    def cast(out: list) -> None:
                        time.sleep(args.seconds / 2)
                        out.append(vote_then_read(base, session_key, paper_id))
                    vote = []
                    voter = threading.Thread(target=cast, args=(vote,))
                    voter.start()
                results.append((who, name, wrk(base + path, args.seconds, args.connections, headers)))
                if voter:
                    voter.join()
    finally:
        proc.terminate()
        proc.wait(timeout=20)

    ceiling = results[0][2]["rps"]
    print(f"\n{os.cpu_count()} CPUs, serve --workers {args.workers or 'default (one per core)'} --threads {args.threads}, "
          f"wrk -c{args.connections} for {args.seconds}s per URL on loopback; the bundled demo (sample papers)\n")
    print("| who | URL | req/s | p50 ms | p99 ms | errors | vs static |")
    print("|---|---|---|---|---|---|---|")
    for who, name, r in results:
        print(f"| {who} | {name} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} | {r['rps'] / ceiling:.2f}x |")
    if vote:
        before, after = vote[0]
        print(f"\nVote during the anonymous day-page load: count {before} -> {after} on the next anonymous request "
              f"({'visible' if after == before + 1 else 'NOT visible'})")
    print(json.dumps({"results": results, "vote": vote}), file=sys.stderr)


if __name__ == "__main__":
    main()
