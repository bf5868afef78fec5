"""Benchmark: build and send the daily digest to N subscribers through a local SMTP sink.

    .venv/bin/python bench/digest_send.py [--subscribers 100000] [--filtered 0.02]

Baseline in the same run: raw ``smtplib`` sending one pre-rendered digest N times over one
connection to the same sink (the floor set by SMTP on loopback). Then the real path: outbox rows
for every subscriber, claims, per-subscriber rendering (filters, signed links), MIME building,
sending and a committed state change per message. The sink (aiosmtpd's discarding ``Sink``) runs
in its own process. Reports messages/s for both, their ratio, and the sender's peak RSS.
"""

from __future__ import annotations

import argparse
import os
import resource
import smtplib
import socket
import subprocess
import sys
import tempfile
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"SMTP sink did not start on port {port}")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--filtered", type=float, default=0.02, help="share of subscribers with a category/query filter")
    args = parser.parse_args()

    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="digest-bench-")
    os.environ.update(DAILYPAPERS_DATA_DIR=data_dir, DJANGO_SETTINGS_MODULE="dailypapers.settings",
                      DAILYPAPERS_EMAIL_HOST="127.0.0.1", DAILYPAPERS_EMAIL_PORT=str(port),
                      DAILYPAPERS_EMAIL_USE_TLS="0", DAILYPAPERS_EMAIL_USE_SSL="0", DAILYPAPERS_LOG_LEVEL="WARNING")
    sink = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                             "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        run(args, port)
    finally:
        sink.terminate()
        sink.wait(10)


def run(args, port: int) -> None:
    import django

    from dailypapers.lib.datadir import prepare_data_dir

    prepare_data_dir()
    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from dailypapers.digests.content import get_or_create_issue
    from dailypapers.digests.message import build_message
    from dailypapers.digests.models import Subscription
    from dailypapers.digests.sending import DigestSender
    from dailypapers.lib.progress import progress_bar
    from dailypapers.papers.models import DailyEntry

    n = args.subscribers
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("ingest", "sample", verbosity=0)
    day = DailyEntry.objects.order_by("-date").values_list("date", flat=True).first()
    now = timezone.now()
    every = int(1 / args.filtered) if args.filtered > 0 else 0
    batch = []
    for i in range(n):
        filtered = every and i % every == 0
        batch.append(Subscription(email=f"reader{i}@bench.example.org", confirmed_at=now,
                                  categories=["cs.CL"] if filtered and i % 2 else [],
                                  query="language" if filtered and not i % 2 else ""))
        if len(batch) == 5000:
            Subscription.objects.bulk_create(batch)
            batch = []
    Subscription.objects.bulk_create(batch)
    issue = get_or_create_issue("daily", day.isoformat())
    print(f"setup: {n:,} subscribers, issue {issue.period_key} with {len(issue.ranked_paper_ids)} ranked papers, "
          f"{time.perf_counter() - t0:.1f} s", flush=True)

    # Baseline: one pre-rendered digest, raw smtplib, one connection.
    from dailypapers.digests.content import IssueContent
    from dailypapers.digests.models import DigestDelivery

    sample_sub = Subscription.objects.order_by("pk").first()
    raw = build_message(IssueContent(issue), DigestDelivery(pk=0, issue=issue, subscription=sample_sub))[0]
    payload = raw.message().as_bytes(linesep="\r\n")
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp, progress_bar("baseline smtplib", n, unit="mails") as update:
        for i in range(n):
            smtp.sendmail("papers@localhost", [f"reader{i}@bench.example.org"], payload)
            if i % 500 == 0:
                update(i)
    baseline_s = time.perf_counter() - start
    rss_before = peak_rss_mb()

    start = time.perf_counter()
    with progress_bar("digest send", n, unit="mails") as update:
        report = DigestSender(issue, batch_size=500, on_progress=lambda r: update(r.outcomes["sent"])).run()
    digest_s = time.perf_counter() - start
    assert report.outcomes["sent"] == n, report.summary()

    base_rate, digest_rate = n / baseline_s, n / digest_s
    print(f"message size: {len(payload) / 1024:.1f} KiB (HTML + text)")
    print(f"baseline raw smtplib:  {n:,} in {baseline_s:.1f} s = {base_rate:,.0f} msg/s")
    print(f"digest send (outbox):  {n:,} in {digest_s:.1f} s = {digest_rate:,.0f} msg/s "
          f"= {digest_rate / base_rate:.2f}x baseline")
    print(f"peak RSS: {peak_rss_mb():.0f} MiB (after setup + baseline: {rss_before:.0f} MiB)")
    print(report.summary())


if __name__ == "__main__":
    main()
