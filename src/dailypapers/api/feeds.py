"""RSS 2.0 and Atom feeds: the daily pages, trending, an organization, a category, a saved search.

Every feed exists in both formats (``….rss`` / ``….atom``). Links are built from the request's own
host, so a feed fetched from ``https://papers.example.org`` links back there without configuration.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseBadRequest, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from django.utils.http import urlencode

from dailypapers.lib.pagecache import cached_page
from dailypapers.lib.ratelimit import RateLimited, check_search_rate, too_many_requests
from dailypapers.papers.identifiers import is_category
from dailypapers.papers.models import DailyEntry, Organization, Paper
from dailypapers.papers.ranking import TrendingRanker
from dailypapers.papers.services import EntryFilters, latest_day_with_entries
from dailypapers.papers.text import plain_text
from dailypapers.search import FEED, MAX_QUERY_CHARS, InvalidSearch, find_papers

FEED_ITEMS = 50
DAILY_FEED_DAYS = 7  # the daily feed carries the last week of daily pages, newest day first
AUTHORS_IN_FEED = 10

# C0 control characters but tab, newline and carriage return, and DEL: XML cannot carry them, and a
# feed's title repeats its parameters.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")



class BadFeedParameter(ValueError):
    """A feed parameter that cannot be used: answered 400 with the message as plain text."""


@dataclass
class FeedSource:
    """What one request's feed shows: resolved in ``get_object`` so feed instances stay stateless."""

    title: str
    link: str
    description: str
    feed_url: str
    papers: list[Paper] = field(default_factory=list)


def absolute(request, path: str) -> str:
    return request.build_absolute_uri(path)


def papers_of_entries(entries) -> list[Paper]:
    """The entries' papers (``paper.entry`` is the entry: Django keeps the one-to-one's other side)."""
    return [entry.paper for entry in entries]


class PaperFeed(Feed):
    """Items are papers (their entries loaded, for ``paper.entry``; ``.feed_link`` attached)."""

    feed_type = Rss201rev2Feed

    def __call__(self, request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):  # Feed answers any method with the feed
            response = HttpResponseNotAllowed(["GET", "HEAD", "OPTIONS"])
            return response
        if any(CONTROL_CHARACTERS.search(key) or any(CONTROL_CHARACTERS.search(v) for v in values)
               for key, values in request.GET.lists()):
            return HttpResponseBadRequest("Feed parameters must not contain control characters.\n",
                                          content_type="text/plain; charset=utf-8")
        try:
            response = super().__call__(request, *args, **kwargs)
        except RateLimited as exc:
            response = too_many_requests(exc)
        except BadFeedParameter as exc:
            response = HttpResponseBadRequest(f"{exc}\n", content_type="text/plain; charset=utf-8")
        return response  # readable from any origin (lib.middleware.HttpMethodsMiddleware)

    def get_object(self, request, *args, **kwargs) -> FeedSource:
        source = self.source(request, *args, **kwargs)
        for paper in source.papers:
            paper.feed_link = absolute(request, paper.get_absolute_url())
        return source

    def source(self, request, *args, **kwargs) -> FeedSource:
        raise NotImplementedError

    def title(self, obj: FeedSource) -> str:
        return f"{obj.title} · {settings.SITE_NAME}"

    def link(self, obj: FeedSource) -> str:
        return obj.link

    def description(self, obj: FeedSource) -> str:
        return obj.description

    subtitle = description

    def feed_url(self, obj: FeedSource) -> str:
        return obj.feed_url

    def author_name(self, obj: FeedSource) -> str:
        """The feed's author (the site): Atom's feed-level author, for entries that name none."""
        return settings.SITE_NAME

    def items(self, obj: FeedSource) -> list[Paper]:
        return obj.papers

    def item_title(self, paper: Paper) -> str:
        return paper.title

    def item_link(self, paper: Paper) -> str:
        return paper.feed_link

    def item_guid(self, paper: Paper) -> str:
        return paper.feed_link

    def item_description(self, paper: Paper) -> str:
        """HTML (RSS ``<description>`` and Atom ``<summary type="html">`` are read as markup): every
        outside text is escaped, so an abstract's ``<img onerror=…>`` stays text and ``p<0.05``
        reads as written."""
        facts = [f"{paper.upvotes} upvotes"]
        if paper.published_at:
            facts.append(f"published {paper.published_at:%Y-%m-%d}")
        if paper.github_repo:
            facts.append(f"code: {paper.github_repo}")
        paragraphs = plain_text(paper.abstract).split("\n\n")
        return "".join(f"<p>{escape(text)}</p>" for text in [" · ".join(facts), *paragraphs] if text)

    def item_author_name(self, paper: Paper) -> str | None:
        names = [a.shown_name for a in paper.authorships.all()]
        if not names:
            return None
        return ", ".join(names[:AUTHORS_IN_FEED]) + (" et al." if len(names) > AUTHORS_IN_FEED else "")

    def item_pubdate(self, paper: Paper) -> dt.datetime:
        entry = paper.entry
        return (entry.submitted_at if entry else None) or paper.published_at or paper.created_at

    def item_updateddate(self, paper: Paper) -> dt.datetime:
        return max(d for d in (paper.updated_at, self.item_pubdate(paper)) if d)

    def item_categories(self, paper: Paper) -> list[str]:
        return list(paper.categories or [])


class AtomWithAuthors(Atom1Feed):
    """Atom (RFC 4287) as readers expect it: one ``<author>`` per author (Django's generator writes
    one holding every name, which readers show as one person), and the feed's own ``<author>`` (the
    site), which RFC 4287 requires when an entry has none."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name in item.get("authors") or ():
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.endElement("author")


def atom(feed_class: type[PaperFeed]) -> type[PaperFeed]:
    """The Atom variant of an RSS feed class: the authors one element each (``AtomWithAuthors``)."""

    def item_extra_kwargs(self, paper):
        names = [a.shown_name for a in paper.authorships.all()]
        shown = names[:AUTHORS_IN_FEED] + ([f"et al. ({len(names) - AUTHORS_IN_FEED} more)"] if len(names) > AUTHORS_IN_FEED else [])
        return {**feed_class.item_extra_kwargs(self, paper), "authors": shown}

    return type(f"{feed_class.__name__}Atom", (feed_class,), {
        "feed_type": AtomWithAuthors,
        "item_author_name": lambda self, paper: None,  # written by AtomWithAuthors, one per author
        "item_extra_kwargs": item_extra_kwargs,
    })


def this_feed_url(request) -> str:
    return request.build_absolute_uri()


@cached_page(members=True)  # a feed is the same for every reader
class DailyFeed(PaperFeed):
    """The last week of daily pages, newest day first, each day's papers by upvotes.

    Takes the pages' filters: ``?category=cs.CL&organization=slug&has_code=1``.
    """

    def source(self, request) -> FeedSource:
        filters = EntryFilters.from_query(request.GET)
        latest = latest_day_with_entries() or timezone.localdate()
        entries = filters.apply(
            DailyEntry.objects.filter(date__gt=latest - dt.timedelta(days=DAILY_FEED_DAYS), date__lte=latest)
        )
        entries = (
            entries.for_listing()
            .order_by("-date", "-paper__upvotes", "submitted_at", "paper_id")[: FEED_ITEMS * 2]
        )
        narrowed = [x for x in (filters.category, filters.organization, "with code" if filters.has_code else "") if x]
        return FeedSource(
            title="Daily papers" + (f" ({', '.join(narrowed)})" if narrowed else ""),
            link=absolute(request, reverse("papers:papers") + (f"?{request.GET.urlencode()}" if request.GET else "")),
            description="The papers on the daily pages, newest day first, most upvoted first within a day.",
            feed_url=this_feed_url(request),
            papers=papers_of_entries(entries),
        )


@cached_page(members=True)  # a feed is the same for every reader
class TrendingFeed(PaperFeed):
    def source(self, request) -> FeedSource:
        filters = EntryFilters.from_query(request.GET)
        ranker = TrendingRanker.from_settings()
        entries = filters.apply(DailyEntry.objects.for_listing())
        ranked = ranker.rank(entries)[:FEED_ITEMS]
        return FeedSource(
            title="Trending papers",
            link=absolute(request, reverse("papers:trending")),
            description=(
                f"Ranked by upvotes / (age in hours + {ranker.offset_hours:g}) ^ {ranker.gravity:g} "
                f"over the last {ranker.window_days} days."
            ),
            feed_url=this_feed_url(request),
            papers=papers_of_entries(ranked),
        )


def newest_first(papers_qs):
    """Papers by when they reached the site's pages (or were published), newest first."""
    return (
        papers_qs.annotate(feed_date=Coalesce("daily_entry__submitted_at", "published_at", "created_at"))
        .order_by("-feed_date", "id")
        .with_entry()
        .with_authors()
    )


@cached_page(members=True)  # a feed is the same for every reader
class OrganizationFeed(PaperFeed):
    def source(self, request, slug: str) -> FeedSource:
        org = get_object_or_404(Organization, slug=slug)
        papers = newest_first(Paper.objects.filter(Q(organization=org) | Q(daily_entry__organization=org)).distinct())
        return FeedSource(
            title=f"Papers from {org.name}",
            link=absolute(request, org.get_absolute_url()),
            description=f"New papers submitted for {org.name}, newest first.",
            feed_url=this_feed_url(request),
            papers=list(papers[:FEED_ITEMS]),
        )


@cached_page(members=True)  # a feed is the same for every reader
class CategoryFeed(PaperFeed):
    def source(self, request, category: str) -> FeedSource:
        if not is_category(category):
            raise Http404(f"{category[:40]!r} is not a category")
        papers = newest_first(Paper.objects.filter(categories__icontains=f'"{category}"'))
        return FeedSource(
            title=f"Papers in {category}",
            link=absolute(request, reverse("papers:papers") + "?" + urlencode({"category": category})),
            description=f"New papers in the arXiv category {category}, newest first.",
            feed_url=this_feed_url(request),
            papers=list(papers[:FEED_ITEMS]),
        )


class SearchFeed(PaperFeed):
    """A saved search: ``?q=…`` plus the search page's filters and mode; the best matches, newest first."""

    def source(self, request) -> FeedSource:
        try:
            query = FEED.parse(request.GET)
        except InvalidSearch as exc:
            if exc.parameter != "q":
                raise BadFeedParameter(str(exc)) from None
            query = None
        if query is None or not query.text:
            raise Http404(f"a search feed needs q= (1 to {MAX_QUERY_CHARS} characters)")
        check_search_rate(request)
        found = find_papers(query)
        papers = sorted(found.papers, key=lambda p: self.item_pubdate(p), reverse=True)
        return FeedSource(
            title=f"Search: {query.text}",
            link=absolute(request, "/search?" + request.GET.urlencode()),
            description=f"The best {query.limit} matches for “{query.text}”, newest first.",
            feed_url=this_feed_url(request),
            papers=papers,
        )


FEEDS = {
    "daily": DailyFeed,
    "trending": TrendingFeed,
    "organization": OrganizationFeed,
    "category": CategoryFeed,
    "search": SearchFeed,
}
