"""A large synthetic site for the read-path benchmarks (issue 16): papers, a year of daily pages,
members and their votes.

``build_site(data_dir)`` imports ``papers`` synthetic snapshot records (bench/synthetic.py) through
the bulk snapshot path (``dailypapers ingest snapshot``), then puts ``per_day`` of the newest on each
of the last ``days`` days' pages (submission times through the day, one in five from one of a few
organizations), gives every paper a long-tailed count of imported upvotes, and makes ``members``
members who each upvote some of the listed papers (recent ones more), keeping
``Paper.member_upvotes`` equal to their votes. Rows are written in bulk; 100k papers take a few
minutes here, most of it the import. Usage::

    python bench/synthetic_site.py --out /tmp/site-100k [--papers 100000 --per-day 50 --days 365 --members 200]

``bench/web_pages.py --site 100k`` builds one (or reuses ``--site-dir``) and measures it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import write_snapshot  # noqa: E402  (the sibling bench's generator)

# Run in a subprocess with Django set up for the site's data dir (see build_site).
_FILL = r'''
import datetime as dt, random, sys
import django
from dailypapers.lib.datadir import prepare_data_dir
prepare_data_dir()
django.setup()
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from dailypapers.papers.models import DailyEntry, Organization, Paper, Upvote

per_day, days, members, seed = map(int, sys.argv[1:5])
rng = random.Random(seed)
today = timezone.localdate()
ids = list(Paper.objects.order_by("-published_at", "-id").values_list("id", flat=True)[: per_day * days])
orgs = Organization.objects.bulk_create(
    [Organization(slug=f"lab-{i}", name=f"Lab {i}") for i in range(20)], ignore_conflicts=True)
orgs = list(Organization.objects.filter(slug__startswith="lab-"))
with transaction.atomic():
    entries = []
    for n, paper_id in enumerate(ids):
        day = today - dt.timedelta(days=n // per_day)
        at = dt.datetime.combine(day, dt.time(0), tzinfo=dt.timezone.utc) + dt.timedelta(minutes=rng.randrange(24 * 60))
        entries.append(DailyEntry(paper_id=paper_id, date=day, submitted_at=at,
                                  organization=rng.choice(orgs) if rng.random() < 0.2 else None))
    DailyEntry.objects.bulk_create(entries, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {Paper._meta.db_table} SET imported_upvotes = %s WHERE id = %s",
            [(min(int(rng.paretovariate(1.3)) - 1, 2000), pid) for pid in Paper.objects.values_list("id", flat=True)],
        )
    password = make_password("bench-password-9")
    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"member{i}", email=f"member{i}@example.org", password=password) for i in range(members)])
    votes = set()
    for user in get_user_model().objects.filter(username__startswith="member"):
        for _ in range(rng.randrange(20, 200)):
            index = min(int(rng.expovariate(1 / (len(ids) / 20))), len(ids) - 1)  # recent papers more
            votes.add((user.pk, ids[index]))
    Upvote.objects.bulk_create([Upvote(user_id=u, paper_id=p) for u, p in votes], batch_size=5000)
    counts = Upvote.objects.filter(paper=OuterRef("pk")).values("paper").annotate(n=Count("id")).values("n")
    Paper.objects.filter(pk__in=Upvote.objects.values("paper")).update(member_upvotes=Coalesce(Subquery(counts), 0))
print(f"{len(entries)} entries over {days} days, {len(users)} members, {len(votes)} member votes")
'''


def build_site(data_dir: Path, *, papers: int = 100_000, per_day: int = 50, days: int = 365, members: int = 200,
               seed: int = 0, env: dict[str, str] | None = None) -> dict[str, float]:
    """Build the site in ``data_dir`` (its database, cache and indexes); returns the seconds each step took."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(env or os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(DAILYPAPERS_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="dailypapers.settings")
    timings = {}
    start = time.monotonic()
    snapshot = data_dir / f"snapshot-{papers}.jsonl.gz"
    if not snapshot.exists():
        write_snapshot(snapshot, papers, seed, progress=False)
    timings["generate"] = time.monotonic() - start
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "dailypapers", "migrate", "-v0"], env=env, check=True)
    subprocess.run([sys.executable, "-m", "dailypapers", "ingest", "snapshot", str(snapshot)], env=env, check=True,
                   capture_output=True)
    timings["import"] = time.monotonic() - start
    start = time.monotonic()
    out = subprocess.run([sys.executable, "-c", _FILL, str(per_day), str(days), str(members), str(seed)], env=env,
                         check=True, capture_output=True, text=True).stdout.strip()
    timings["pages and votes"] = time.monotonic() - start
    print(f"site in {data_dir}: {papers} papers; {out}; " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()),
          flush=True)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="the site's data dir")
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--per-day", type=int, default=50)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    build_site(args.out, papers=args.papers, per_day=args.per_day, days=args.days, members=args.members, seed=args.seed)


if __name__ == "__main__":
    main()
