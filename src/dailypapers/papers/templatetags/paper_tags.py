"""Template filters for showing papers: ``{% load paper_tags %}``."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict

from django import template
from django.db.models import Model
from django.template.defaultfilters import floatformat

from dailypapers.lib import pagecache
from dailypapers.papers.links import cached_reverse
from dailypapers.papers.models import DailyEntry, Organization, Paper

log = logging.getLogger(__name__)
register = template.Library()


@register.simple_tag
def cached_url(name: str, *args) -> str:
    """``{% cached_url "name" arg %}``: ``{% url %}`` reversed once per process
    (``links.cached_reverse``), for the parts rendered on every member request (the header menu's
    ten links cost ~0.4 ms a request through ``{% url %}``)."""
    return cached_reverse(name, *args)


@register.filter
def shown_organization(paper: Paper, entry: DailyEntry | None) -> Organization | None:
    """``paper|shown_organization:entry``: see ``Paper.shown_organization``. ``entry`` must be in
    the context (None for a paper without one): an unknown filter argument is a template error."""
    return paper.shown_organization(entry)


# Set on entries by the trending ranking, moving with the clock: the card gets the score as ``score``
# and is kept by the score as shown; it does not show the age (showing it would mean keying by it).
_PASSED_SEPARATELY = {"trending_score", "age_hours"}


def _state(obj, depth: int = 3):
    """Everything a model instance holds that a template can read: its public attributes (fields,
    annotations, flags the view set), and, ``depth`` levels down, the related rows fetched with it
    (select_related) and prefetched with it."""
    if not isinstance(obj, Model) or depth == 0:
        return obj if not isinstance(obj, Model) else (type(obj).__name__, obj.pk)
    # In the instance's own order (the same query fills it the same way; another order only misses).
    values = [(k, v) for k, v in obj.__dict__.items() if k[0] != "_" and k not in _PASSED_SEPARATELY]
    related = [(k, _state(v, depth - 1)) for k, v in obj._state.fields_cache.items()]
    prefetched = [(k, [_state(o, depth - 1) for o in v]) for k, v in getattr(obj, "_prefetched_objects_cache", {}).items()]
    return type(obj).__name__, values, related, prefetched


class CardCache:
    """Cards rendered for cached pages, by everything they are rendered from (the paper, its entry,
    authors and organizations as fetched, the score, the page's return path). After a vote every
    page renders again, and all but the voted card come from here. In each process; bounded."""

    def __init__(self, max_cards: int):
        self.max_cards = max_cards
        self.cards: OrderedDict[str, tuple[str, tuple]] = OrderedDict()
        self.lock = threading.Lock()

    @staticmethod
    def key(paper, entry, score, return_path) -> str:
        # The score as the card shows it: trending scores move with the clock, the card only by the third decimal.
        shown_score = None if score is None else floatformat(score, 3)
        state = repr((_state(paper), _state(entry), shown_score, return_path))
        return hashlib.md5(state.encode(), usedforsecurity=False).hexdigest()

    def get(self, key: str):
        with self.lock:
            found = self.cards.get(key)
            if found is not None:
                self.cards.move_to_end(key)
            return found

    def put(self, key: str, card: tuple[str, tuple]) -> None:
        with self.lock:
            self.cards[key] = card
            while len(self.cards) > self.max_cards:
                self.cards.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.cards.clear()


card_cache = CardCache(max_cards=4096)


@register.simple_tag(takes_context=True)
def paper_card(context, paper: Paper, entry: DailyEntry | None = None, score: float | None = None) -> str:
    """``{% paper_card paper entry score %}``: one card of a list. A card that cannot render (one
    bad record: a slug the URLs refuse, a broken field) is logged and left out, never a 500 for the
    whole page (an organization slug once took down the home page, search and the APIs).

    A card reads only ``paper``, ``entry``, ``score``, ``return_path`` and ``csrf_token`` from the page:
    rendered for the cache (the token is a placeholder then), it is kept in ``card_cache`` by them."""
    request = context.get("request")
    try:
        # In the page's own context, as {% include %} renders (a fresh RequestContext per card ran
        # every context processor fifty times a page).
        card = context.template.engine.get_template("papers/_paper_card.html")

        def render() -> str:
            with context.push(paper=paper, entry=entry, score=score):
                return card.render(context)

        if not pagecache.rendering_for_cache(request):
            return render()
        key = CardCache.key(paper, entry, score, context.get("return_path"))
        found = card_cache.get(key)
        if found is None:
            found = pagecache.render_fragment(request, render)
            card_cache.put(key, found)
        return pagecache.place_fragment(request, *found)
    except Exception:  # noqa: BLE001 - whatever one record does to its card, the page goes on
        log.exception("paper card for %s could not render; left out of %s", getattr(paper, "pk", "?"),
                      getattr(request, "path", "?"))
        return ""


@register.filter
def repo_host(url: str) -> str:
    """``{{ paper.github_repo|repo_host }}``: "GitHub" for https://github.com/org/repo, else the host
    (``cards.repo_host``, the rule the digest mail's card copy uses too)."""
    from dailypapers.papers.cards import repo_host as host_of

    return host_of(url)


@register.filter
def untrusted_markdown(source: str) -> str:
    """``{{ text|untrusted_markdown }}``: markdown written by members or organizations, sanitized
    (``markdown.render_untrusted``)."""
    from dailypapers.lib.markdown import render_untrusted

    return render_untrusted(source)


@register.simple_tag(takes_context=True)
def submittable_organizations(context) -> list:
    """``{% submittable_organizations as orgs %}``: the organizations the reader may submit papers
    for (approved memberships; ``organizations.submit_choices``); one query, only where a submit
    form is shown."""
    from dailypapers.papers.organizations import submit_choices

    user = getattr(context.get("request"), "user", None)
    return submit_choices(user) if user is not None else []
