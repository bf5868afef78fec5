"""Follows: which targets may be followed, which papers a follow matches (the one rule alerts, the
Following feed and "for you" share), and how a reason names it."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q

from dailypapers.discovery.models import MAX_FOLLOWS, MAX_SEARCH_CHARS, Follow
from dailypapers.papers.identifiers import is_category, is_organization_slug
from dailypapers.papers.models import Author, Authorship, Organization, Paper
from dailypapers.search.query import keywords, query_terms

FOLLOWING_DAYS = 90  # the Following feed reads this far back from the newest paper


class FollowError(ValueError):
    """A follow that cannot be made; the message says why (HTTP 400)."""


class NoSuchTarget(FollowError):
    """The author or organization to follow does not exist (HTTP 404)."""


def window_start(days: int) -> dt.datetime | None:
    """``days`` before the newest paper (not before now: a site whose newest paper is old, the demo
    sample, still has a recent window)."""
    newest = Paper.objects.aggregate(m=Max("published_at"))["m"]
    return None if newest is None else newest - dt.timedelta(days=days)


def search_words(query: str) -> list[str]:
    """The words a saved search requires: as the search box reads them, stop words dropped."""
    return keywords(query_terms(query))


def resolve_target(kind: str, target: str) -> tuple[str, str]:
    """(stored target, label) for a follow of ``kind``; raises FollowError for anything else."""
    target = " ".join(str(target or "").split())
    if kind not in Follow.Kind.values:
        raise FollowError(f"kind must be one of {', '.join(Follow.Kind.values)}")
    if not target:
        raise FollowError("target is required")
    if kind == Follow.Kind.AUTHOR:
        author = Author.objects.filter(pk=int(target)).first() if target.isdigit() and len(target) < 19 else None
        if author is None:
            raise NoSuchTarget(f"No author with id {target[:40]!r}")
        return str(author.pk), author.name
    if kind == Follow.Kind.ORGANIZATION:
        org = Organization.objects.filter(slug=target).first() if is_organization_slug(target) else None
        if org is None:
            raise NoSuchTarget(f"No organization {target[:100]!r}")
        return org.slug, org.name
    if kind == Follow.Kind.CATEGORY:
        if not is_category(target):
            raise FollowError(f"{target[:40]!r} is not an arXiv category (e.g. cs.CL)")
        return target, target
    if len(target) > MAX_SEARCH_CHARS:
        raise FollowError(f"a saved search is at most {MAX_SEARCH_CHARS} characters")
    if not search_words(target):
        raise FollowError("a saved search needs at least one word")
    return target, target


def follow(user, kind: str, target: str) -> tuple[Follow, bool]:
    """The member's follow of the target (made now, or the one they had); raises FollowError."""
    target, label = resolve_target(kind, target)
    existing = Follow.objects.filter(user=user, kind=kind, target=target).first()
    if existing:
        return existing, False
    if Follow.objects.filter(user=user).count() >= MAX_FOLLOWS:
        raise FollowError(f"You already follow {MAX_FOLLOWS} things, the most one member can; unfollow one first")
    try:
        with transaction.atomic():
            return Follow.objects.create(user=user, kind=kind, target=target, label=label[:300]), True
    except IntegrityError:  # the same follow made a moment ago by another request
        return Follow.objects.get(user=user, kind=kind, target=target), False


def unfollow(user, kind: str, target: str) -> bool:
    if kind not in Follow.Kind.values:
        raise FollowError(f"kind must be one of {', '.join(Follow.Kind.values)}")
    target = " ".join(str(target or "").split())
    return Follow.objects.filter(user=user, kind=kind, target=target).delete()[0] > 0


def reason_for(follow: Follow) -> str:
    if follow.kind == Follow.Kind.AUTHOR:
        return f"by {follow.label}, whom you follow"
    if follow.kind == Follow.Kind.ORGANIZATION:
        return f"from {follow.label}, which you follow"
    if follow.kind == Follow.Kind.CATEGORY:
        return f"in {follow.label}, which you follow"
    return f"matches your saved search “{follow.label}”"


def _all_words(text: str) -> set[str]:
    # query_terms caps a query at 32 terms; a paper's text has hundreds.
    return {t.lower() for t in re.findall(r"\w+", text)}


def search_matches(query: str, words: set[str]) -> bool:
    """A saved search matches a paper when every one of its words is a word of the paper's title,
    abstract or author names."""
    wanted = search_words(query)
    return bool(wanted) and all(w in words for w in wanted)


def matching(follows: list[Follow], papers) -> dict[str, list[Follow]]:
    """``{paper id: [follows it matches]}`` for the papers of the queryset ``papers`` (the rule of
    this module: an author on its byline, the organization it came with or was submitted for, a
    category among its categories, every word of a saved search in its text)."""
    by_kind: dict[str, list[Follow]] = {}
    for f in follows:
        by_kind.setdefault(f.kind, []).append(f)
    found: dict[str, list[Follow]] = {}

    def add(pid: str, f: Follow) -> None:
        found.setdefault(pid, [])
        if f not in found[pid]:
            found[pid].append(f)

    authors = {f.target: f for f in by_kind.get(Follow.Kind.AUTHOR, [])}
    if authors:
        rows = Authorship.objects.filter(paper__in=papers, author_id__in=[int(a) for a in authors]).values_list("paper_id", "author_id")
        for pid, author_id in rows:
            add(pid, authors[str(author_id)])
    orgs = {f.target: f for f in by_kind.get(Follow.Kind.ORGANIZATION, [])}
    if orgs:
        rows = papers.filter(Q(organization__slug__in=list(orgs)) | Q(daily_entry__organization__slug__in=list(orgs))).values_list(
            "pk", "organization__slug", "daily_entry__organization__slug"
        )
        for pid, own, submitted in rows:
            for slug in (own, submitted):
                if slug in orgs:
                    add(pid, orgs[slug])
    categories = {f.target: f for f in by_kind.get(Follow.Kind.CATEGORY, [])}
    if categories:
        any_category = Q(primary_category__in=list(categories))
        for c in categories:
            any_category |= Q(categories__icontains=f'"{c}"')
        for pid, primary, cats in papers.filter(any_category).values_list("pk", "primary_category", "categories"):
            for c in {primary, *(cats or [])}:
                if c in categories:
                    add(pid, categories[c])
    searches = by_kind.get(Follow.Kind.SEARCH, [])
    for f in searches:
        words = search_words(f.target)
        narrowed = papers
        for w in words:  # a superset in SQL (substrings), then the word rule in Python
            narrowed = narrowed.filter(Q(title__icontains=w) | Q(abstract__icontains=w) | Q(authorships__name__icontains=w)
                                       | Q(authorships__author__name__icontains=w))
        candidates = list(narrowed.distinct().values_list("pk", "title", "abstract")[:2000])
        names: dict[str, list[str]] = {}
        for pid, name, author_name in Authorship.objects.filter(paper_id__in=[c[0] for c in candidates]).values_list(
            "paper_id", "name", "author__name"
        ):
            names.setdefault(pid, []).append(name or author_name)
        for pid, title, abstract in candidates:
            if search_matches(f.target, _all_words(" ".join([title, abstract, *names.get(pid, [])]))):
                add(pid, f)
    return found


def matching_in(follows: list[Follow], paper_ids: list[str]) -> dict[str, list[Follow]]:
    """As :func:`matching`, over the recent window "for you" ranks (``paper_ids`` are its papers)."""
    since = window_start(settings.DAILYPAPERS_FOR_YOU_DAYS)
    if since is None:
        return {}
    wanted = set(paper_ids)
    found = matching(follows, Paper.objects.filter(published_at__gte=since))
    return {pid: fs for pid, fs in found.items() if pid in wanted}


def following_papers(user, *, follow: Follow | None = None) -> tuple[list[Paper], dict[str, list[Follow]]]:
    """The member's Following feed (or one follow's): papers matching their follows, newest first,
    from the last FOLLOWING_DAYS; with the follows each matched."""
    follows = [follow] if follow else list(Follow.objects.filter(user=user))
    since = window_start(FOLLOWING_DAYS)
    if not follows or since is None:
        return [], {}
    found = matching(follows, Paper.objects.filter(published_at__gte=since))
    papers = list(Paper.objects.filter(pk__in=list(found)).order_by("-published_at", "pk").for_listing()[:200])
    return papers, found


def follows_in_period(user_id: int, start: dt.date, end: dt.date) -> list[tuple[str, str]]:
    """(paper id, reason) for the papers published from ``start`` to ``end`` (inclusive) that match
    the member's follows, newest first: the digest's Following section."""
    follows = list(Follow.objects.filter(user_id=user_id))
    if not follows:
        return []
    papers = Paper.objects.filter(published_at__date__gte=start, published_at__date__lte=end)
    found = matching(follows, papers)
    order = Paper.objects.filter(pk__in=list(found)).order_by("-published_at", "pk").values_list("pk", flat=True)
    return [(pid, reason_for(found[pid][0])) for pid in order]
