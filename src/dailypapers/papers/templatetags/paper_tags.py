"""Template filters for showing papers: ``{% load paper_tags %}``."""

from __future__ import annotations

from django import template

from dailypapers.papers.models import DailyEntry, Organization, Paper

register = template.Library()


@register.filter
def shown_organization(paper: Paper, entry: DailyEntry | None) -> Organization | None:
    """``paper|shown_organization:entry``: see ``Paper.shown_organization``. ``entry`` must be in
    the context (None for a paper without one): an unknown filter argument is a template error."""
    return paper.shown_organization(entry)
