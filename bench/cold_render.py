"""What a page costs when the cache misses (issue 16): each page requested in process right after
the content version is bumped (as a vote does), on the bundled demo (or a data dir given), with its
queries counted; and what a hit costs (the same request again), anonymous and as a member.

    .venv/bin/python bench/cold_render.py [--data-dir DIR] [--rounds 30] [--profile /]

Prints CPU milliseconds per miss (this process's CPU time, so other load on the machine counts
less than in wall time; the minimum and median of ``--rounds``) and queries per miss; run it on two
checkouts (PYTHONPATH=<checkout>/src) for a before/after ratio. ``--profile URL`` prints the top of a
cProfile of that page's misses.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", help="an existing site's data dir (default: a fresh demo)")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--profile", help="a URL to profile")
    args = parser.parse_args()

    if args.data_dir:
        data_dir = Path(args.data_dir)
    else:
        data_dir = Path(tempfile.mkdtemp(prefix="dailypapers-bench-cold-"))
    os.environ.update(DAILYPAPERS_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="dailypapers.settings")
    subprocess.run([sys.executable, "-m", "dailypapers", "migrate", "-v0"], check=True)
    if not args.data_dir:
        subprocess.run([sys.executable, "-m", "dailypapers", "ingest", "sample"], check=True, capture_output=True)

    import django

    from dailypapers.lib.datadir import prepare_data_dir

    prepare_data_dir()
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    from dailypapers.lib.pagecache import bump_content_version
    from dailypapers.papers.models import DailyEntry, Paper, Upvote

    member = get_user_model().objects.filter(username="bench-cold").first() or get_user_model().objects.create_user(
        "bench-cold", "bench-cold@example.org", "bench-password-9")
    latest = DailyEntry.objects.order_by("-date").values_list("date", flat=True).first()
    day_papers = list(DailyEntry.objects.filter(date=latest).values_list("paper_id", flat=True)[:10])
    Upvote.objects.bulk_create([Upvote(user=member, paper_id=p) for p in day_papers[:5]], ignore_conflicts=True)
    paper = Paper.objects.get(pk=day_papers[0])
    year, week, _ = latest.isocalendar()
    urls = {
        "day page /": "/",
        "week": f"/papers/week/{year}-W{week:02d}",
        "month": f"/papers/month/{latest:%Y-%m}",
        "trending": "/papers/trending",
        "paper page": paper.get_absolute_url(),
    }
    anonymous, logged_in = Client(), Client()
    logged_in.force_login(member)
    if args.profile:
        import cProfile
        import pstats

        anonymous.get(args.profile)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.rounds):
            bump_content_version()
            anonymous.get(args.profile)
        profiler.disable()
        pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(40)
        return
    print(f"{Paper.objects.count()} papers; {args.rounds} misses each (a content-version bump before each)\n")
    print("| page | who | CPU ms per miss (min) | (median) | queries per miss | CPU ms per hit (median) |")
    print("|---|---|---|---|---|---|")
    for name, url in urls.items():
        for who, client in (("anonymous", anonymous), ("member", logged_in)):
            assert client.get(url).status_code == 200, url
            times = []
            for _ in range(args.rounds):
                bump_content_version()
                start = time.process_time()
                client.get(url)
                times.append((time.process_time() - start) * 1000)
            bump_content_version()
            reset_queries()  # the log holds the last 9,000 only: a full one would count none
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            miss_queries = len(queries)
            hits = []
            for _ in range(args.rounds * 5):
                start = time.process_time()
                client.get(url)
                hits.append((time.process_time() - start) * 1000)
            print(f"| {name} | {who} | {min(times):.1f} | {statistics.median(times):.1f} | {miss_queries} | {statistics.median(hits):.2f} |")


if __name__ == "__main__":
    main()
