"""A member's private feeds, RSS and Atom: their "for you" picks with the reason for each, or the
papers of one follow. The URL's signed token is the only credential (feed readers send no cookie);
the Following page shows the links, and revoking them there makes every one given out fail."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.html import escape

from dailypapers.api.feeds import FEED_ITEMS, FeedSource, PaperFeed, absolute, this_feed_url
from dailypapers.discovery import follows as follow_rules
from dailypapers.discovery import services as discover
from dailypapers.discovery.ranking import recommend


class PrivateFeed(PaperFeed):
    def source(self, request, token: str) -> FeedSource:
        try:
            user, follow = discover.feed_owner(token)
        except discover.BadFeedToken as exc:
            raise Http404(str(exc)) from None
        if follow is None:
            papers = discover.attach(recommend(user, limit=FEED_ITEMS))
            title, link = f"For {user.username}", reverse("discovery:for_you")
            description = "Recent papers picked for you by your upvotes, saves, feedback and follows, each with its reason."
        else:
            found, matched = follow_rules.following_papers(user, follow=follow)
            papers = found[:FEED_ITEMS]
            for paper in papers:
                paper.reason = follow_rules.reason_for(matched[paper.pk][0])
            title, link = f"Following {follow.label}", reverse("discovery:following")
            description = f"New papers {follow_rules.reason_for(follow)}, newest first."
        return FeedSource(title=title, link=absolute(request, link), description=description,
                          feed_url=this_feed_url(request), papers=papers)  # both lists come by for_listing(): entries loaded

    def item_description(self, paper) -> str:
        """The reason first, escaped as everything else the generator writes (``PaperFeed``)."""
        reason = getattr(paper, "reason", "")
        return (f"<p>{escape(reason)}</p>" if reason else "") + super().item_description(paper)
