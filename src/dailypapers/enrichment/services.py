"""What every paper carries beyond its record: keywords, and code / Hugging Face / project links.

:func:`enrich` derives both from a paper's text: links from its abstract, arXiv's comments field and
the comments of members who may edit its links (``Paper.links_editable_by``), keywords from title
and abstract. The worker runs it as papers arrive (``receivers`` → ``tasks.enrich_papers``), the
``enrich`` command over the back catalogue. :func:`set_member_links` is a member's correction
(``POST /api/papers/{id}/links``).

Each link is a ``PaperLink`` row; ``Paper.github_repo`` / ``project_page`` show the best of them
(:func:`shown_links`), so the cards' code button, the "has code" filter and the search index read one
column. A member's link beats the record's own, which beats one found in arXiv's comments, then
the abstract, then a member comment; a link a member marked wrong (``rejected``) never shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from dailypapers.community.models import Comment
from dailypapers.enrichment.keywords import extract_keywords
from dailypapers.enrichment.links import FoundLink, classify, find_links
from dailypapers.papers.models import Organization, Paper, PaperLink
from dailypapers.papers.organizations import can_submit_for
from dailypapers.papers.signals import papers_changed

Origin = PaperLink.Origin
# Which origin wins when several links of a kind are found (lower first).
ORIGIN_RANK = {Origin.MEMBER: 0, Origin.SOURCE: 1, Origin.COMMENTS: 2, Origin.ABSTRACT: 3, Origin.COMMENT: 4}
FOUND_ORIGINS = (Origin.ABSTRACT, Origin.COMMENTS, Origin.COMMENT)
BATCH = 500


class EnrichmentSender:
    """The ``sender`` of the papers_changed this room sends: its own receiver ignores them."""


class LinkError(ValueError):
    """A link a member gave that cannot be used; the message says why."""


class NotAllowedToEditLinks(PermissionError):
    pass


@dataclass
class EnrichReport:
    papers: int = 0
    keywords: int = 0  # papers whose keywords changed
    links: int = 0  # papers whose shown code repository or project page changed


def shown_links(links: Iterable[PaperLink]) -> tuple[str, str]:
    """(code repository, project page) to show of a paper's links: by origin; the newest member
    link, else the one found first."""
    def rank(link: PaperLink) -> tuple:
        # A member's newest link wins; among found ones the first in the text (the first stored).
        when = link.created_at.timestamp() if link.created_at else float("inf")
        return (ORIGIN_RANK[link.origin], -when if link.origin == Origin.MEMBER else when, link.pk or 0)

    best: dict[str, PaperLink] = {}
    for link in links:
        if link.rejected or link.kind not in (PaperLink.Kind.CODE, PaperLink.Kind.PROJECT):
            continue
        if link.kind not in best or rank(link) < rank(best[link.kind]):
            best[link.kind] = link
    code, project = best.get(PaperLink.Kind.CODE), best.get(PaperLink.Kind.PROJECT)
    return (code.url if code else "", project.url if project else "")


def _found_links(paper: Paper, editor_comments: list[str]) -> dict[tuple[str, str], tuple[FoundLink, str]]:
    found: dict[tuple[str, str], tuple[FoundLink, str]] = {}
    for origin, texts in ((Origin.COMMENTS, [paper.comments]), (Origin.ABSTRACT, [paper.abstract]), (Origin.COMMENT, editor_comments)):
        for text in texts:
            for link in find_links(text):
                found.setdefault((link.kind, link.url), (link, origin))
    return found


def _editor_comments(papers: list[Paper]) -> dict[str, list[str]]:
    """The live comments of each paper whose author may edit its links, oldest first."""
    by_paper: dict[str, list[str]] = {}
    comments = (
        Comment.objects.filter(paper_id__in=[p.pk for p in papers], deleted_at=None, hidden_at=None, author__is_active=True)
        .select_related("author", "paper")
        .order_by("created_at", "pk")
    )
    allowed: dict[tuple[str, int], bool] = {}
    for comment in comments:
        if "." not in comment.source:  # no URL can be in it: skip the permission lookups
            continue
        key = (comment.paper_id, comment.author_id)
        if key not in allowed:
            allowed[key] = comment.paper.links_editable_by(comment.author)
        if allowed[key]:
            by_paper.setdefault(comment.paper_id, []).append(comment.source)
    return by_paper


def _enrich_batch(papers: list[Paper], *, keywords: bool, report: EnrichReport) -> list[str]:
    """Links and keywords of ``papers``; the ids whose shown links changed."""
    comments = _editor_comments(papers)
    stored: dict[str, list[PaperLink]] = {}
    for link in PaperLink.objects.filter(paper_id__in=[p.pk for p in papers]):
        stored.setdefault(link.paper_id, []).append(link)
    relinked, to_create, to_delete, keyword_updates, link_updates = [], [], [], [], []
    for paper in papers:
        links = stored.get(paper.pk, [])
        by_key = {(link.kind, link.url): link for link in links}
        # A repository or page the record itself carries (an HF listing's import) is a link too,
        # unless it is what an earlier run showed from the links (then it is already one of them).
        for value in (paper.github_repo, paper.project_page):
            source = classify(value) if value else None
            if source is None and value:
                source = FoundLink(PaperLink.Kind.PROJECT, value, "") if value == paper.project_page else None
            if source is not None and (source.kind, source.url) not in by_key and value not in {link.url for link in links}:
                new = PaperLink(paper=paper, kind=source.kind, url=source.url, repo_id=source.repo_id, origin=Origin.SOURCE)
                to_create.append(new)
                by_key[(new.kind, new.url)] = new
        found = _found_links(paper, comments.get(paper.pk, []))
        for key, link in list(by_key.items()):
            # Found links no longer in the text go; a rejected one stays, so that it stays rejected.
            if link.origin in FOUND_ORIGINS and key not in found and not link.rejected and link.pk:
                to_delete.append(link.pk)
                del by_key[key]
        for key, (link, origin) in found.items():
            if key not in by_key:
                new = PaperLink(paper=paper, kind=link.kind, url=link.url, repo_id=link.repo_id, origin=origin)
                to_create.append(new)
                by_key[key] = new
        code, project = shown_links(by_key.values())
        if (code, project) != (paper.github_repo, paper.project_page):
            paper.github_repo, paper.project_page = code, project
            link_updates.append(paper)
            relinked.append(paper.pk)
        if keywords:
            words = extract_keywords(paper.title, paper.abstract)
            if words != paper.keywords:
                paper.keywords = words
                keyword_updates.append(paper)
    with transaction.atomic():
        if to_delete:
            PaperLink.objects.filter(pk__in=to_delete).delete()
        if to_create:
            PaperLink.objects.bulk_create(to_create, ignore_conflicts=True)
        if link_updates:
            Paper.objects.bulk_update(link_updates, ["github_repo", "project_page"])
        if keyword_updates:
            Paper.objects.bulk_update(keyword_updates, ["keywords"])
    report.papers += len(papers)
    report.keywords += len(keyword_updates)
    report.links += len(link_updates)
    return relinked


def enrich(paper_ids: Iterable[str], *, keywords: bool = True) -> EnrichReport:
    """Find the links and keywords of these papers (unknown ids are skipped); papers whose shown
    links changed are announced with papers_changed, so that search re-indexes "has code"."""
    report = EnrichReport()
    ids = list(dict.fromkeys(paper_ids))
    fields = ("id", "title", "abstract", "comments", "github_repo", "project_page", "keywords", "organization")
    for start in range(0, len(ids), BATCH):
        papers = list(Paper.objects.filter(pk__in=ids[start : start + BATCH]).select_related("organization").only(*fields))
        relinked = _enrich_batch(papers, keywords=keywords, report=report)
        if relinked:
            papers_changed.send(sender=EnrichmentSender, paper_ids=relinked)
    return report


def enrich_catalogue(after: str = "", limit: int = 5000, *, keywords: bool = True, missing_only: bool = False) -> tuple[EnrichReport, str]:
    """The next ``limit`` papers in id order after ``after``: the back catalogue a slice at a time.
    Returns the report and the last id done ("" when there were none: finished)."""
    papers = Paper.objects.filter(pk__gt=after).order_by("pk")
    if missing_only:
        papers = papers.filter(keywords=[])
    ids = list(papers.values_list("pk", flat=True)[:limit])
    return enrich(ids, keywords=keywords), (ids[-1] if ids else "")


def _organization(user, value: str) -> Organization:
    """The organization named by ``value`` (its ``_id`` in the HF API, or its slug) that ``user`` belongs to."""
    organization = Organization.objects.filter(**({"pk": int(value)} if value.isdigit() and len(value) < 19 else {"slug": value[:100]})).first()
    if organization is None:
        raise LinkError("organizationId names no organization of this site")
    if not (user.is_staff or can_submit_for(user, organization)):
        raise NotAllowedToEditLinks("You can set only an organization that approved you as a member")
    return organization


def set_member_links(user, paper: Paper, *, github_repo: str | None = None, project_page: str | None = None,
                     organization: str | None = None) -> Paper:
    """A member's code repository and/or project page for ``paper`` (None: leave as is; "": the
    paper has none, so every link of that kind found or given is marked wrong), and the paper's
    ``organization`` (an id or slug). Raises NotAllowedToEditLinks or LinkError; nothing is
    written unless all of it is allowed."""
    if not paper.links_editable_by(user):
        raise NotAllowedToEditLinks("Only the paper's submitter, its claimed authors, its organization's admins and staff can edit its links")
    chosen_organization = _organization(user, organization) if organization else None
    given: list[tuple[str, str]] = []
    if github_repo is not None:
        given.append((PaperLink.Kind.CODE, github_repo.strip()))
    if project_page is not None:
        given.append((PaperLink.Kind.PROJECT, project_page.strip()))
    new_links: list[tuple[str, FoundLink | None]] = []
    for kind, value in given:
        if not value:
            new_links.append((kind, None))
            continue
        if len(value) > 500 or not value.lower().startswith(("https://", "http://")):
            raise LinkError(f"{'githubRepo' if kind == 'code' else 'projectPage'} must be an http(s) URL of at most 500 characters")
        link = classify(value, introduced_as_project=True)
        if kind == PaperLink.Kind.CODE and (link is None or link.kind != PaperLink.Kind.CODE):
            raise LinkError("githubRepo must be a repository on GitHub, GitLab, Bitbucket or Codeberg (https://github.com/owner/name)")
        if kind == PaperLink.Kind.PROJECT:
            if link is None or link.kind != PaperLink.Kind.PROJECT:
                raise LinkError("projectPage must be a web page, not a code or Hugging Face repository")
        new_links.append((kind, link))
    with transaction.atomic():
        # The links found so far, and the record's own, first: a correction must see them all.
        enrich([paper.pk], keywords=False)
        paper.refresh_from_db(fields=["github_repo", "project_page"])
        if chosen_organization is not None and chosen_organization.pk != paper.organization_id:
            paper.organization = chosen_organization
            paper.save(update_fields=["organization", "modified_at"])
            papers_changed.send(sender=EnrichmentSender, paper_ids=[paper.pk])
        for kind, link in new_links:
            links = PaperLink.objects.filter(paper=paper, kind=kind)
            links.filter(origin=Origin.MEMBER).delete()
            if link is None:
                links.update(rejected=True)
                continue
            links.exclude(url=link.url).filter(origin__in=FOUND_ORIGINS).update(rejected=True)
            PaperLink.objects.filter(paper=paper, kind=kind, url=link.url).delete()
            PaperLink.objects.create(paper=paper, kind=kind, url=link.url, repo_id=link.repo_id, origin=Origin.MEMBER, added_by=user)
        code, project = shown_links(PaperLink.objects.filter(paper=paper))
        if (code, project) != (paper.github_repo, paper.project_page):
            paper.github_repo, paper.project_page = code, project
            paper.save(update_fields=["github_repo", "project_page", "modified_at"])
            papers_changed.send(sender=EnrichmentSender, paper_ids=[paper.pk])
    return paper


def hub_links(paper: Paper) -> dict[str, list[PaperLink]]:
    """The paper's Hugging Face models, datasets and Spaces (not rejected), each kind oldest first."""
    found: dict[str, list[PaperLink]] = {PaperLink.Kind.MODEL: [], PaperLink.Kind.DATASET: [], PaperLink.Kind.SPACE: []}
    for link in paper.links.filter(kind__in=list(found), rejected=False).order_by("created_at", "pk"):
        found[link.kind].append(link)
    return found


def repositories(paper: Paper) -> list[PaperLink]:
    """Every code repository of the paper (not rejected): the shown one first."""
    links = list(paper.links.filter(kind=PaperLink.Kind.CODE, rejected=False).order_by("created_at", "pk"))
    return sorted(links, key=lambda link: (link.url != paper.github_repo, ORIGIN_RANK[link.origin]))

