"""Every route of the site as a concrete URL, built from the URLconf itself.

Parameters are filled from ``SAMPLES`` by name; a route with a parameter the table does not know
raises ``UnknownParameter``, so a new endpoint makes the adversarial tests fail until someone
adds a sample value for it (and thereby covers it).
"""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern


class UnknownParameter(LookupError):
    pass


@dataclass(frozen=True)
class Route:
    url: str
    pattern: str  # the route as written, prefixes included
    name: str | None
    callback: object


def sample_values(paper_id: str, today, org_slug: str, token_id: int, collection_id: int, comment_id: int = 1) -> dict[str, str]:
    """Sample value by parameter name (``key`` is a period key on pages and a mail key in allauth)."""
    return {
        "paper_id": paper_id,
        "slug": org_slug,
        "membership_id": "1",  # an organization membership request (papers.organizations)
        "category": "cs.CL",
        "key": today.isoformat(),
        "date": today.isoformat(),
        "week": today.strftime("%G-W%V"),
        "month": today.strftime("%Y-%m"),
        "token_id": str(token_id),
        "collection_id": str(collection_id),
        "comment_id": str(comment_id),  # the member's own comment on paper_id
        "username": "ada",  # the member's profile (tests' ``member``)
        "position": "0",  # an author slot of paper_id (author claims)
        "author_id": "1",  # an author page (discovery: follow an author)
        # Digest links: a token that does not verify (a valid one is a credential by design).
        "token": "not-a-signed-token",
        "frequency": "daily",
        "period_key": today.isoformat(),
        "notification_id": "1",  # none of the member's: the mark-read answers 404
        # admin and allauth
        "app_label": "papers",
        "object_id": "1",
        "content_type_id": "1",
        "id": "1",
        "url": "no-such-page/",
        "uidb36": "1",
    }


GROUP = re.compile(r"\(\?P<(\w+)>")
CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def _fill_regex(regex: str, samples: dict[str, str]) -> str:
    out, i = [], 0
    while (m := GROUP.search(regex, i)) is not None:
        out.append(regex[i : m.start()])
        name, depth, j = m.group(1), 1, m.end()
        while depth:  # skip to the group's closing parenthesis
            if regex[j] == "\\":
                j += 1
            elif regex[j] == "(":
                depth += 1
            elif regex[j] == ")":
                depth -= 1
            j += 1
        if name not in samples:
            raise UnknownParameter(f"{name!r} in {regex!r}: add a sample value to SAMPLES")
        out.append(re.escape(samples[name]))
        i = j
    out.append(regex[i:])
    literal = "".join(out).removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    return re.sub(r"\\(.)", r"\1", literal)


def _fill_route(route: str, samples: dict[str, str]) -> str:
    def value(m):
        if m.group(1) not in samples:
            raise UnknownParameter(f"{m.group(1)!r} in {route!r}: add a sample value to SAMPLES")
        return samples[m.group(1)]

    return CONVERTER.sub(value, route)


def _fill(pattern, samples) -> str:
    if isinstance(pattern, RegexPattern):
        return _fill_regex(pattern._regex, samples)
    assert isinstance(pattern, RoutePattern), pattern
    return _fill_route(str(pattern), samples)


def all_routes(samples: dict[str, str]) -> list[Route]:
    def walk(resolver, url_prefix, pattern_prefix):
        for entry in resolver.url_patterns:
            url = url_prefix + _fill(entry.pattern, samples)
            pattern = pattern_prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                yield from walk(entry, url, pattern)
            else:
                assert isinstance(entry, URLPattern)
                yield Route("/" + url, pattern, entry.name, entry.callback)

    return list(walk(get_resolver(), "", ""))
