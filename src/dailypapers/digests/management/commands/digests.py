"""`dailypapers digests send --period KEY [--frequency daily|weekly] [--dry-run]`, and `digests status`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from dailypapers.digests.content import digest_period, get_or_create_issue, rank_issue
from dailypapers.digests.models import DigestDelivery, DigestIssue, Frequency, Subscription
from dailypapers.digests.sending import DigestSender, next_retry_at
from dailypapers.digests.tasks import frequency_of
from dailypapers.lib.progress import progress_bar
from dailypapers.papers.periods import BadPeriod


class Command(BaseCommand):
    help = "Send email digests through the outbox (safe to re-run: nobody gets an issue twice)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        send = sub.add_parser("send", help="send (or finish sending) the digest of a period")
        send.add_argument("--period", required=True, help="YYYY-MM-DD (daily) or YYYY-Www (weekly)")
        send.add_argument("--frequency", choices=Frequency.values,
                          help="default: weekly for YYYY-Www keys, else daily")
        send.add_argument("--dry-run", action="store_true", help="build every message, send and record nothing")
        send.add_argument("--batch-size", type=int, default=200, help="outbox rows claimed at a time")
        status = sub.add_parser("status", help="subscribers, and outbox counts per issue")
        status.add_argument("--period", help="only this period")

    def handle(self, *args, action, **options):
        if action == "send":
            return self.send(options)
        return self.status(options)

    def send(self, options):
        key = options["period"].strip()
        frequency = options["frequency"] or frequency_of(key)
        try:
            digest_period(frequency, key)
        except BadPeriod as exc:
            raise CommandError(f"--period: {exc}") from None
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        if options["dry_run"]:  # rank without storing anything: a dry run leaves no trace
            issue = DigestIssue.objects.filter(frequency=frequency, period_key=key).first() or rank_issue(frequency, key)
        else:
            issue = get_or_create_issue(frequency, key)
        receiving = Subscription.objects.receiving().filter(frequency=frequency).count()
        done = DigestDelivery.objects.filter(issue=issue).exclude(state="pending").count() if issue.pk else 0
        total = max(receiving - done, 0)
        self.stdout.write(f"{issue.subject}: {len(issue.ranked_paper_ids)} papers ranked, "
                          f"{receiving} receiving subscribers, {done} already handled")
        with progress_bar(f"digest {frequency} {key}", total or None, stream=self.stderr._out, unit="mails") as update:
            sender = DigestSender(issue, batch_size=options["batch_size"],
                                 on_progress=lambda r: update(sum(r.outcomes.values())))
            report = sender.run(dry_run=options["dry_run"])
        self.stdout.write(report.summary())
        if report.waiting and not options["dry_run"]:
            retry_at = next_retry_at(issue)
            self.stdout.write(f"next retry due at {retry_at:%Y-%m-%d %H:%M:%S %Z}; run this command again then "
                              "(the worker does it by itself)")
        if report.aborted:
            raise CommandError(report.aborted)

    def status(self, options):
        subs = Subscription.objects.all()
        self.stdout.write(
            f"subscriptions: {subs.receiving().count()} active, {subs.filter(confirmed_at__isnull=True).count()} "
            f"unconfirmed, {subs.filter(unsubscribed_at__isnull=False).count()} unsubscribed, "
            f"{subs.filter(suspended_at__isnull=False).count()} suspended"
        )
        issues = DigestIssue.objects.all()
        if options.get("period"):
            issues = issues.filter(period_key=options["period"])
        for issue in issues[:20]:
            counts = dict(issue.deliveries.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
            line = ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "no deliveries"
            self.stdout.write(f"{issue.frequency} {issue.period_key}: {line}")
