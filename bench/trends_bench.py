"""Topic trends benchmark: ``SearchBackend.count_by_month`` (what ``/trends`` calls per topic) timed
over a synthetic corpus, on the embedded backend (SQLite + tantivy) or the PostgreSQL one.

    python bench/trends_bench.py --papers 300000                      # embedded (tantivy)
    bash scripts/with-postgres.sh .venv/bin/python bench/trends_bench.py --papers 100000   # PostgreSQL

Corpus: ``bench/synthetic.py`` records (arXiv-shaped: monthly volume growing over 1991-2026, words
drawn from the bundled sample's vocabulary with its frequencies) written straight into the papers
table, then indexed by the backend's own writes (tantivy documents / PostgreSQL ``tsvector`` rows).
``--upvoted`` papers (default 60,000, spread over the newest papers: the order of every Daily
Papers listing ever) get upvotes, a fixed number whatever the corpus size, as on a real site where
only papers that reached a daily page have votes.

Each topic is counted ``--rounds`` times after one untimed warm-up (the OS page cache warm, as on a
serving site), the whole ``count_by_month`` timed: papers per month from the index plus upvotes of
the matching upvoted papers; then ``--rounds`` times each right after a write (the content version
bumped, as every vote, entry and import does: what the embedded backend keeps per version is read
again). Reported per topic: matching papers, p50 and max
ms; and a three-topic request (the most a page compares) as the sum of its topics' p50s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from email.utils import parsedate_to_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dailypapers.settings")
os.environ.setdefault("DAILYPAPERS_DATA_DIR", tempfile.mkdtemp(prefix="trends-bench-"))

import django  # noqa: E402

from dailypapers.lib.datadir import prepare_data_dir  # noqa: E402

prepare_data_dir()
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from synthetic import generate_snapshot_records  # noqa: E402

from dailypapers.lib.pagecache import bump_content_version  # noqa: E402
from dailypapers.search import SearchFilters, get_backend  # noqa: E402
from dailypapers.search.lexical import LexicalDoc  # noqa: E402

CHUNK = 10_000
TOPICS = [
    ("words, very common (1 word)", "model", {}),
    ("words, common (1 word)", "learning", {}),
    ("words, 2 common words", "neural network", {}),
    ("words, 2 words", "language model", {}),
    ("words, rare (1 word)", "protein", {}),
    ("category, large", "", {"category": "cs.LG"}),
    ("category, small", "", {"category": "hep-ex"}),
]
PAPER_COLUMNS = ["id", "source", "title", "abstract", "published_at", "version", "categories", "primary_category", "doi",
                 "journal_ref", "comments", "license", "report_no", "github_repo", "project_page", "imported_upvotes",
                 "member_upvotes", "num_comments", "content_hash", "created_at", "modified_at"]  # fmt: skip


def load(n: int, upvoted: int, backend) -> dict:
    postgres = connection.vendor == "postgresql"
    now = dt.datetime.now(dt.UTC)
    timings = {"papers_s": 0.0, "index_s": 0.0}
    rows, docs = [], []
    first_upvoted = n - upvoted
    placeholders = ", ".join(["%s"] * len(PAPER_COLUMNS))
    for i, rec in enumerate(generate_snapshot_records(n, 0)):
        title, abstract = " ".join(rec["title"].split()), " ".join(rec["abstract"].split())
        cats = rec["categories"].split()
        published = parsedate_to_datetime(rec["versions"][0]["created"]).astimezone(dt.UTC)
        votes = 1 + (i * 7919) % 40 if i >= first_upvoted else 0
        rows.append((rec["id"], "arxiv", title, abstract, published, 1, json.dumps(cats), cats[0], *[""] * 7, votes, 0, 0, "", now, now))
        docs.append(LexicalDoc(rec["id"], title, abstract, rec["authors"].split(", "), cats, [], False, published.date()))
        if len(rows) == CHUNK or i == n - 1:
            t = time.perf_counter()
            with transaction.atomic():
                if postgres:
                    from dailypapers.ingest.postgres_writes import copy_rows

                    copy_rows("papers_paper", PAPER_COLUMNS, rows)
                else:
                    with connection.cursor() as cursor:
                        cursor.executemany(f"INSERT INTO papers_paper ({', '.join(PAPER_COLUMNS)}) VALUES ({placeholders})", rows)
            timings["papers_s"] += time.perf_counter() - t
            t = time.perf_counter()
            if postgres:
                with transaction.atomic(), connection.cursor() as cursor:
                    backend._write_documents(cursor, docs)
            else:
                backend.lexical.upsert(docs)
            timings["index_s"] += time.perf_counter() - t
            rows, docs = [], []
            print(f"  {i + 1:,} papers", file=sys.stderr, flush=True)
    t = time.perf_counter()
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_pg_document")
            cursor.execute("ANALYZE papers_paper")
    else:
        backend.lexical.commit()
    timings["index_s"] += time.perf_counter() - t
    return {k: round(v, 1) for k, v in timings.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--upvoted", type=int, default=60_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    call_command("migrate", verbosity=0)
    backend = get_backend()
    t = time.perf_counter()
    build = load(args.papers, min(args.upvoted, args.papers), backend)
    build["total_s"] = round(time.perf_counter() - t, 1)
    results = []
    for label, text, filters in TOPICS:
        f = SearchFilters(**filters)
        counts = backend.count_by_month(text, f)  # warm-up
        times, after_write = [], []
        for _ in range(args.rounds):
            t = time.perf_counter()
            backend.count_by_month(text, f)
            times.append((time.perf_counter() - t) * 1000)
        for _ in range(args.rounds):
            bump_content_version()  # as every vote, entry and import does: caches keyed by it start over
            t = time.perf_counter()
            backend.count_by_month(text, f)
            after_write.append((time.perf_counter() - t) * 1000)
        results.append({
            "topic": label, "text": text, **filters, "papers": counts.total, "upvoted_matching_upvotes": sum(counts.upvotes.values()),
            "p50_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1),
            "after_a_write_p50_ms": round(statistics.median(after_write), 1), "after_a_write_max_ms": round(max(after_write), 1),
        })  # fmt: skip
    worst3 = sum(sorted((r["p50_ms"] for r in results), reverse=True)[:3])
    out = {
        "backend": backend.status()["backend"], "papers": args.papers, "upvoted": min(args.upvoted, args.papers),
        "rounds": args.rounds, "build": build, "topics": results, "three_slowest_topics_p50_sum_ms": round(worst3, 1),
    }  # fmt: skip
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
