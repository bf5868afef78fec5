"""Read paths under load (issue 16): `wrk` on loopback against a real `dailypapers serve`.

Loads each page anonymously and logged in (a member's session cookie, the member having votes of
their own on the site), with a static file as the ceiling in the same run, and prints req/s,
p50/p99 and errors per URL, each one's ratio to the static file, and the server's RSS (all its
processes) after the runs. In the middle of the anonymous and of the member day-page run the
member votes (over HTTP, with CSRF, as a browser does); the next anonymous request must show the
new count, and the member's next request their vote. The site is the bundled demo, or (``--site
100k``) a synthetic one of 100k papers with ~50 entries a day for a year, members and votes
(bench/synthetic_site.py; built once into ``--site-dir``). Usage:

    apt-get install -y wrk
    .venv/bin/python bench/web_pages.py [--seconds 30] [--connections 64] [--workers N] [--threads 8]
    .venv/bin/python bench/web_pages.py --site 100k --site-dir /tmp/site-100k

On PostgreSQL: move the built site there (``dailypapers db move --to postgres://...`` with
DAILYPAPERS_DATA_DIR=/tmp/site-100k), then run with DATABASE_URL set and ``--workers 3``: every
web process then shares only the database and the cache (a vote must show from any of them).
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
from synthetic_site import build_site  # noqa: E402  (the sibling benches' helpers)
from web_server import free_port, wait_until_up, wrk  # noqa: E402


def member_session(env: dict[str, str]) -> str:
    """A member and a logged-in session for them, made in the bench's database; the session key."""
    code = (
        "from dailypapers.lib.datadir import prepare_data_dir; prepare_data_dir()\n"
        "import django; django.setup()\n"
        "from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY\n"
        "from django.contrib.sessions.backends.db import SessionStore\n"
        "from dailypapers.papers.models import DailyEntry\n"
        "from dailypapers.papers.services import set_upvote\n"
        "u = get_user_model().objects.filter(username='bench').first()\n"
        "u = u or get_user_model().objects.create_user('bench', 'bench@example.org', 'bench-password-9')\n"
        "for e in DailyEntry.objects.order_by('-date', 'submitted_at').select_related('paper')[1:40:4]: set_upvote(u, e.paper, True)\n"
        "s = SessionStore(); s[SESSION_KEY] = str(u.pk); s[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'\n"
        "s[HASH_SESSION_KEY] = u.get_session_auth_hash(); s.create(); print(s.session_key)\n"
    )
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.strip()


def card_count(html: str, paper_id: str) -> int:
    card = html[html.index(f'id="paper-{re.sub(r"[^a-z0-9-]", "", paper_id.lower())}"'):]
    return int(re.search(r'data-testid="upvote-count">(\d+)<', card).group(1))


def member_opener(base: str, session_key: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    host = urllib.parse.urlsplit(base).hostname
    jar.set_cookie(http.cookiejar.Cookie(0, "sessionid", session_key, None, False, host, False, False, "/", True,
                                         False, None, False, None, None, {}))
    return opener


def shows_vote(html: str, paper_id: str) -> bool:
    card = html[html.index(f'id="paper-{re.sub(r"[^a-z0-9-]", "", paper_id.lower())}"'):]
    return "upvote-button voted" in card[:card.index("</form>")]


def vote_then_read(base: str, session_key: str, paper_id: str, voted: bool) -> tuple[int, int, bool]:
    """Vote (or take the vote back) as the member (CSRF token from the page, as a browser does), then
    read the day page anonymously and as the member: (count before, count after, member sees it)."""
    before = card_count(urllib.request.urlopen(base + "/").read().decode(), paper_id)
    opener = member_opener(base, session_key)
    page = opener.open(base + "/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"voted": "1" if voted else "0", "next": "/", "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(f"{base}/papers/{paper_id}/upvote", data=body, headers={"Referer": base + "/"})
    opener.open(request).read()
    after = card_count(urllib.request.urlopen(base + "/").read().decode(), paper_id)
    return before, after, shows_vote(opener.open(base + "/").read().decode(), paper_id) == voted


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (pages shared after fork count in each)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        total += int(match.group(1)) if match else 0
    return total / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="per URL (the issue measures 30)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=None, help="web processes (default: serve's, one per core)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--site", choices=["demo", "100k"], default="demo")
    parser.add_argument("--site-dir", type=Path, help="the 100k site's data dir: built there if missing, else reused")
    parser.add_argument("--only", nargs="*", help="only these URL names (the static file always runs)")
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    if args.site == "100k":
        data_dir = args.site_dir or Path(tempfile.mkdtemp(prefix="dailypapers-bench-100k-"))
        if not (data_dir / "dailypapers.sqlite3").exists():
            build_site(data_dir, env=env)
        site = "a synthetic site of 100k papers, ~50 entries a day for a year, 200 members"
    else:
        data_dir = Path(tempfile.mkdtemp(prefix="dailypapers-bench-pages-"))
        site = "the bundled demo (sample papers)"
    env.update(DAILYPAPERS_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="dailypapers.settings")
    subprocess.run([sys.executable, "-m", "dailypapers", "migrate", "-v0"], env=env, check=True)
    if args.site == "demo":
        subprocess.run([sys.executable, "-m", "dailypapers", "ingest", "sample"], env=env, check=True, capture_output=True)
    session_key = member_session(env)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "dailypapers", "serve", "--port", str(port), "--threads", str(args.threads), "--no-worker", "--no-sample"]
    if args.workers:
        command += ["--workers", str(args.workers)]
    # Its output to a file: a pipe nobody reads fills up and then stalls the server mid-run.
    log = open(data_dir / "serve.log", "w")  # noqa: SIM115 - open for the server's whole life
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    results: list[tuple[str, str, dict]] = []
    votes: dict[str, tuple] = {}
    rss = 0.0
    try:
        wait_until_up(base + "/", proc)
        member_day = member_opener(base, session_key).open(base + "/").read().decode()
        paper_id = next(pid for pid in re.findall(r'action="/papers/([^"]+)/upvote"', member_day) if not shows_vote(member_day, pid))
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
                if (who == "member" and name not in member_urls) or (args.only and name not in args.only and path != urls["static file (ceiling)"]):
                    continue
                wrk(base + path, 2, args.connections, headers)  # warm-up
                voter = None
                if path == "/":
                    def cast(who=who) -> None:
                        time.sleep(args.seconds / 2)
                        votes[who] = vote_then_read(base, session_key, paper_id, voted=who == "anonymous")
                    voter = threading.Thread(target=cast)
                    voter.start()
                results.append((who, name, wrk(base + path, args.seconds, args.connections, headers)))
                if voter:
                    voter.join()
                rss = max(rss, tree_rss_mb(proc.pid))
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()

    ceiling = results[0][2]["rps"]
    database = "PostgreSQL (DATABASE_URL)" if env.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    print(f"\n{os.cpu_count()} CPUs, serve --workers {args.workers or 'default (one per core)'} --threads {args.threads}, "
          f"wrk -c{args.connections} for {args.seconds}s per URL on loopback; {site}; {database}; load average {os.getloadavg()[0]:.1f}\n")
    print("| who | URL | req/s | p50 ms | p99 ms | errors | vs static |")
    print("|---|---|---|---|---|---|---|")
    for who, name, r in results:
        print(f"| {who} | {name} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} | {r['rps'] / ceiling:.2f}x |")
    for who, (before, after, member_sees) in votes.items():
        change = "a vote" if who == "anonymous" else "a vote taken back"
        expected = before + 1 if who == "anonymous" else before - 1
        print(f"\n{change.capitalize()} during the {who} day-page load: count {before} -> {after} on the next anonymous request "
              f"({'visible' if after == expected else 'NOT visible'}); the member's next page "
              f"{'shows it' if member_sees else 'does NOT show it'}")
    print(f"\nServer RSS (all its processes, the most after any URL's run): {rss:.0f} MB")
    print(json.dumps({"results": results, "votes": votes, "rss_mb": rss}), file=sys.stderr)


if __name__ == "__main__":
    main()
