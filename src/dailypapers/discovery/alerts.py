"""Alerts: a new paper matching a member's follow, a new version of a paper they follow or saved.

Papers changed by ingest reach here through the outbox (``PendingAlertCheck``, filled by the
``papers_changed`` receiver) and :func:`process_pending_alerts`, run by the worker. A paper is *new*
when alerting has never seen it and it was published within ``NEW_PAPER_DAYS``; it has a *new
version* when its version is above the one alerting last saw (``SeenVersion``). Each alert is one
``Alert`` row, unique per member, paper and version, written in the same transaction as its
notification: a re-run, or two workers at once, alert nobody twice.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from dailypapers.community.models import NotificationKind
from dailypapers.community.notifications import notify
from dailypapers.discovery.follows import _all_words, reason_for, search_matches
from dailypapers.discovery.models import Alert, Follow, PendingAlertCheck, SeenVersion
from dailypapers.papers.models import CollectionItem, Paper, Upvote

log = logging.getLogger(__name__)

NEW_PAPER_DAYS = 14  # an unseen paper older than this is catalogue, not news (a harvest backfill)
CHUNK = 500


def process_pending_alerts(limit: int | None = None) -> int:
    """Check the queued papers, oldest first; returns how many were checked."""
    done = 0
    while limit is None or done < limit:
        rows = list(PendingAlertCheck.objects.order_by("queued_at", "pk").values_list("pk", "paper_id", "queued_at")[:CHUNK])
        if not rows:
            break
        check_papers([pid for _, pid, _ in rows])
        # Only rows not re-queued meanwhile (a newer change is checked again next run).
        for pk, _pid, queued_at in rows:
            PendingAlertCheck.objects.filter(pk=pk, queued_at=queued_at).delete()
        done += len(rows)
    return done


def check_papers(paper_ids: list[str]) -> int:
    """Alert for these papers as they are now; returns how many alerts were sent."""
    papers = list(Paper.objects.filter(pk__in=paper_ids).select_related("organization", "daily_entry__organization").with_authors())
    seen = dict(SeenVersion.objects.filter(paper_id__in=[p.pk for p in papers]).values_list("paper_id", "version"))
    searches = list(Follow.objects.filter(kind=Follow.Kind.SEARCH).select_related("user"))
    recent = timezone.now() - dt.timedelta(days=NEW_PAPER_DAYS)
    sent = 0
    for paper in papers:
        before = seen.get(paper.pk)
        if before is None:
            if paper.published_at and paper.published_at >= recent and not paper.withdrawn_at:
                for user, follow in _followers(paper, searches):
                    sent += _alert(user, paper, follow, f"New paper {reason_for(follow)}: “{paper.title[:200]}”")
        elif paper.version > before:
            sent += _version_alerts(paper, searches)
        if before is None or paper.version != before:
            SeenVersion.objects.update_or_create(paper_id=paper.pk, defaults={"version": paper.version})
    return sent


def _followers(paper: Paper, searches: list[Follow]) -> list[tuple[object, Follow]]:
    """(member, the first of their follows that matches the paper), one per member."""
    authorships = list(paper.authorships.all())
    orgs = {o.slug for o in (paper.organization, getattr(getattr(paper, "daily_entry", None), "organization", None)) if o}
    categories = {c for c in [paper.primary_category, *(paper.categories or [])] if c}
    follows = list(
        Follow.objects.filter(kind=Follow.Kind.AUTHOR, target__in=[str(a.author_id) for a in authorships]).select_related("user")
    ) + list(Follow.objects.filter(kind=Follow.Kind.ORGANIZATION, target__in=orgs).select_related("user")) + list(
        Follow.objects.filter(kind=Follow.Kind.CATEGORY, target__in=categories).select_related("user")
    )
    words = _all_words(" ".join([paper.title, paper.abstract, *(a.shown_name for a in authorships)]))
    follows += [f for f in searches if search_matches(f.target, words)]
    first: dict[int, tuple[object, Follow]] = {}
    for f in follows:
        first.setdefault(f.user_id, (f.user, f))
    return list(first.values())


def _version_alerts(paper: Paper, searches: list[Follow]) -> int:
    sent = 0
    title = paper.title[:200]
    told: set[int] = set()
    for user, follow in _followers(paper, searches):
        told.add(user.pk)
        sent += _alert(user, paper, follow, f"New version (v{paper.version}) of “{title}”, {reason_for(follow)}", kind=NotificationKind.NEW_VERSION)
    from django.contrib.auth import get_user_model

    keepers = set(CollectionItem.objects.filter(paper=paper).values_list("collection__owner_id", flat=True))
    keepers |= set(Upvote.objects.filter(paper=paper).values_list("user_id", flat=True))
    keepers |= set(Alert.objects.filter(paper=paper).values_list("user_id", flat=True))  # alerted about it before
    for user in get_user_model().objects.filter(pk__in=keepers - told):
        sent += _alert(user, paper, None, f"New version (v{paper.version}) of “{title}”, a paper you saved or follow",
                       kind=NotificationKind.NEW_VERSION)
    return sent


def _alert(user, paper: Paper, follow: Follow | None, reason: str, kind: str = NotificationKind.FOLLOW) -> int:
    if not user.is_active:
        return 0
    try:
        with transaction.atomic():
            Alert.objects.create(user=user, paper=paper, version=paper.version, follow=follow, reason=reason[:500])
            notify(user, kind, paper=paper, text=reason)
    except IntegrityError:  # alerted already (a re-run, or another worker a moment ago)
        return 0
    return 1
