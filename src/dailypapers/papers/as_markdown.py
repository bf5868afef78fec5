"""A paper as markdown: ``/papers/{id}.md`` (the Hugging Face–compatible API) and the paper page
asked for ``Accept: text/markdown``. Every outside text escaped (``dailypapers.lib.markdown``)."""

from __future__ import annotations

from django.http import HttpResponse

from dailypapers.lib import markdown as md
from dailypapers.papers.models import DailyEntry, Paper
from dailypapers.papers.text import plain_text

CONTENT_TYPE = "text/markdown; charset=utf-8"


def wants_markdown(request) -> bool:
    """Whether the request prefers markdown to HTML (``Accept: text/markdown``; ``*/*`` is HTML)."""
    return "text/markdown" in request.headers.get("Accept", "") and request.get_preferred_type(["text/html", "text/markdown"]) == "text/markdown"


def markdown_response(request, paper_id: str) -> HttpResponse:
    paper = Paper.objects.with_entry().with_authors(with_users=True).filter(pk=paper_id).first()
    if paper is None:
        return HttpResponse("Paper not found\n", status=404, content_type="text/plain; charset=utf-8")
    return HttpResponse(paper_markdown(paper, paper.entry, f"{request.scheme}://{request.get_host()}"), content_type=CONTENT_TYPE)


def paper_markdown(paper: Paper, entry: DailyEntry | None, base_url: str) -> str:
    """The paper as markdown."""
    authors = ", ".join(md.escape_text(a.shown_name) for a in paper.authorships.all())
    facts = []
    if paper.published_at:
        facts.append(f"Published: {paper.published_at:%Y-%m-%d}")
    if entry:
        facts.append(f"On the daily page: {entry.date:%Y-%m-%d}")
    facts.append(f"Upvotes: {paper.upvotes}")
    if paper.categories:
        facts.append("Categories: " + ", ".join(md.escape_text(c) for c in paper.categories))
    links = [md.link("Paper page", f"{base_url}{paper.get_absolute_url()}")]
    if paper.is_arxiv:
        links += [md.link("arXiv", paper.arxiv_url), md.link("PDF", paper.pdf_url)]
    if paper.github_repo:
        links.append(md.link("Code", paper.github_repo))
    if paper.project_page:
        links.append(md.link("Project page", paper.project_page))
    organization = paper.shown_organization(entry)
    lines = [f"# {md.escape_text(paper.title)}", ""]
    if authors:
        lines += [f"Authors: {authors}", ""]
    elif paper.listed_author_count:
        lines += [f"Authors: {paper.listed_author_count} (names not listed)", ""]
    if organization:
        lines += [f"Organization: {md.escape_text(organization.name)}", ""]
    lines += [" · ".join(facts), "", " · ".join(x for x in links if x), ""]
    if paper.doi or paper.journal_ref:
        lines += [" · ".join(md.escape_text(x) for x in (f"DOI: {paper.doi}" if paper.doi else "", paper.journal_ref) if x), ""]
    full_text = paper.full_text_or_none
    if full_text is not None and full_text.status == full_text.Status.OK:
        # The full text (ingest.fulltext: escaped when converted) has the abstract; its own title goes.
        link = md.link("arXiv's HTML version", full_text.source_url) or "arXiv"
        source = f"Full text: {link}"
        if full_text.license:
            source += f" · Licence: {md.escape_text(full_text.license)}"
        body = full_text.markdown.split("\n", 1)[1] if full_text.markdown.startswith("# ") else full_text.markdown
        return "\n".join([*lines, source, "", body.strip(), ""])
    lines += ["## Abstract", "", md.escape_prose(plain_text(paper.abstract)) or "(no abstract)", ""]
    if full_text is not None and full_text.status == full_text.Status.NO_HTML:
        lines += ["Full text: arXiv has no HTML version of this paper.", ""]
    return "\n".join(lines)
