"""Template filters for showing papers: ``{% load paper_tags %}``."""

from __future__ import annotations

import logging

from django import template

from dailypapers.papers.models import DailyEntry, Organization, Paper

log = logging.getLogger(__name__)
register = template.Library()


@register.filter
def shown_organization(paper: Paper, entry: DailyEntry | None) -> Organization | None:
    """``paper|shown_organization:entry``: see ``Paper.shown_organization``. ``entry`` must be in
    the context (None for a paper without one): an unknown filter argument is a template error."""
    return paper.shown_organization(entry)


@register.simple_tag(takes_context=True)
def paper_card(context, paper: Paper, entry: DailyEntry | None = None, score: float | None = None) -> str:
    """``{% paper_card paper entry score %}``: one card of a list. A card that cannot render (one
    bad record: a slug the URLs refuse, a broken field) is logged and left out, never a 500 for the
    whole page (an organization slug once took down the home page, search and the APIs)."""
    try:
        # In the page's own context, as {% include %} renders (a fresh RequestContext per card ran
        # every context processor fifty times a page).
        card = context.template.engine.get_template("papers/_paper_card.html")
        with context.push(paper=paper, entry=entry, score=score):
            return card.render(context)
    except Exception:  # noqa: BLE001 - whatever one record does to its card, the page goes on
        log.exception("paper card for %s could not render; left out of %s", getattr(paper, "pk", "?"),
                      getattr(context.get("request"), "path", "?"))
        return ""
