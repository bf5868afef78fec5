"""Anonymous reads served from the shared cache, invalidated by a site-wide content version.

A page opts in where it is defined: ``@cached_page`` on the view (``@cached_page(members=True)``
when members may be served the cached page too); the middleware reads the mark on the view the
request resolves to (``policy``). Nothing else decides what is cached.

Every write that changes what a page shows (a vote, an entry, an import touching papers, a comment,
moderation) bumps one counter in the shared cache (``bump_content_version``; the rooms connect their
models and signals to it in their ``AppConfig.ready``). Cached responses are keyed by that version,
so after a bump every process renders afresh: a vote shows on the next request, everywhere. The TTL
(DAILYPAPERS_PAGE_CACHE_SECONDS) only bounds what ages by the clock alone, like trending scores
(``store``).

Pages carry CSRF tokens (the digest box on every page, the upvote forms). A request the cache may
answer is rendered with a placeholder for the token (``csrf_placeholder``); the cached body holds
only the placeholder, and each response gets the reader's own token put in. Such pages are
``Cache-Control: private`` (a shared proxy would hand one reader's token to another); responses
without a token (feeds, APIs) are ``public``. Both get an ETag (of the cached body) and
Last-Modified, and a matching conditional request gets a 304 (``middleware``).

Members get the same cached page with their few personal bits put in (``personal_body``). A page
rendered for the cache is rendered as for an anonymous reader, and each personal part leaves a
marker behind (``{% load pagecache %}``, ``tags``):

- ``{% card_flag paper "voted" %}...{% endcard_flag %}`` renders its content twice, with
  ``paper.voted`` false (what anonymous readers get) and true; a member's response takes the true
  version for the papers the flag holds for, asked with one query for the whole page
  (``register_card_flag``: the rooms register each flag and its query in ``AppConfig.ready``).
- ``{% member_part "_member_nav.html" %}`` is a template that needs only the request (the header's
  member menu) and the plain values given to the tag; a member's response renders it for them.

Only pages whose whole difference between readers is such parts say ``members=True``; the paper
page, whose comment thread offers each member their own forms, does not, nor an organization's page
(its membership section is the member's own: join, leave, requests to decide).

A shared package: it imports no room.
"""

from dailypapers.lib.pagecache.middleware import PageCacheMiddleware, csrf_placeholder
from dailypapers.lib.pagecache.policy import PagePolicy, cached_page, page_policy
from dailypapers.lib.pagecache.store import (
    CSRF_PLACEHOLDER,
    VERSION_KEY,
    CachedPage,
    LocalPages,
    bump_content_version,
    content_version,
    invalidate_on_changes,
    local_pages,
)
from dailypapers.lib.pagecache.tags import SLOT_MARK, place_fragment, register_card_flag, render_fragment, rendering_for_cache

__all__ = [
    "CSRF_PLACEHOLDER", "SLOT_MARK", "VERSION_KEY", "CachedPage", "LocalPages", "PageCacheMiddleware", "PagePolicy",
    "bump_content_version", "cached_page", "content_version", "csrf_placeholder", "invalidate_on_changes", "local_pages",
    "page_policy", "place_fragment", "register_card_flag", "render_fragment", "rendering_for_cache",
]
