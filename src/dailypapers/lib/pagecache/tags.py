"""``{% load pagecache %}``: the personal parts of cached pages, and putting a member's versions in.

A page rendered for the cache records each ``{% card_flag %}`` and ``{% member_part %}`` as a slot
and leaves a marker in the body (``resolve_slots`` turns the markers into offsets); a member's
response gets each slot's member version (``personal_body``). See the package docstring.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from django import template
from django.template.loader import get_template
from django.utils.safestring import mark_safe

from dailypapers.lib.pagecache.store import CachedPage

# Where a personal part stands in a body rendered for the cache; tags only, so nothing escaped can look like it.
SLOT_MARK = "<!--DailyPapersSlotXq7Zk:{}-->"
_SLOT = re.compile(rb"<!--DailyPapersSlotXq7Zk:(\d+)-->")
_SLOT_TEXT = re.compile(r"<!--DailyPapersSlotXq7Zk:(\d+)-->")

# name -> ids_for(user, ids) -> the ids among ``ids`` the flag holds for that member (one query).
CARD_FLAGS: dict[str, Callable] = {}


def register_card_flag(name: str, ids_for: Callable) -> None:
    """A yes/no per card that differs per member (``voted``; ``saved``): the rooms register each one
    in ``AppConfig.ready``, and wrap its markup in ``{% card_flag obj "name" %}``."""
    CARD_FLAGS[name] = ids_for


def resolve_slots(body: bytes, recorded: list) -> tuple[bytes, tuple]:
    """The anonymous body (each marker replaced by its part's anonymous version) and the slots."""
    out, slots, pos = bytearray(), [], 0
    for match in _SLOT.finditer(body):
        index = int(match.group(1))
        if index >= len(recorded):
            continue
        kind, name, key, anonymous, member = recorded[index]
        out += body[pos:match.start()]
        start = len(out)
        out += anonymous.encode()
        slots.append((start, len(out), kind, name, key, member.encode() if member is not None else None))
        pos = match.end()
    if not slots:
        return body, ()
    out += body[pos:]
    return bytes(out), tuple(slots)


def personal_body(request, page: CachedPage) -> tuple[bytes, str]:
    """The page for ``request.user`` and its ETag: each card flag's member version where it holds
    for them (one query per flag for the whole page), each member part rendered for them. The ETag
    digests the cached page's and what was put in (not the ~100 kB result: a member gets this on
    every request)."""
    if not page.slots:
        return page.body, page.etag
    keys: dict[str, list] = {}
    for _start, _end, kind, name, key, _member in page.slots:
        if kind == "flag":
            keys.setdefault(name, []).append(key)
    held = {name: CARD_FLAGS[name](request.user, ids) if name in CARD_FLAGS else set() for name, ids in keys.items()}
    parts: dict[str, bytes] = {}
    out, pos = [], 0
    digest = hashlib.md5(page.etag.encode(), usedforsecurity=False)
    for index, (start, end, kind, name, key, member) in enumerate(page.slots):
        if kind == "flag":
            if key not in held[name]:
                continue
            replacement = member
        else:
            if key is not None:
                replacement = get_template(name).render(key, request).encode()
            else:
                if name not in parts:
                    parts[name] = get_template(name).render(None, request).encode()
                replacement = parts[name]
        digest.update(b"\0%d\0" % index)
        digest.update(replacement)
        out.append(page.body[pos:start])
        out.append(replacement)
        pos = end
    if not out:
        return page.body, page.etag
    out.append(page.body[pos:])
    return b"".join(out), f'"{digest.hexdigest()}"'


def rendering_for_cache(request) -> bool:
    """Whether this request's page is being rendered for the cache (placeholder token, slot markers)."""
    return getattr(request, "page_cache_slots", None) is not None


def render_fragment(request, render: Callable[[], str]) -> tuple[str, tuple]:
    """A fragment of a page rendered for the cache, with its personal parts numbered from 0: a
    fragment kept for reuse (a card) can go into another page with ``place_fragment``."""
    page_slots = request.page_cache_slots
    request.page_cache_slots = own = []
    try:
        return render(), tuple(own)
    finally:
        request.page_cache_slots = page_slots


def place_fragment(request, html: str, slots: tuple) -> str:
    """``html`` from ``render_fragment``, its markers renumbered after the page's own."""
    if not slots:
        return html
    page_slots = request.page_cache_slots
    offset = len(page_slots)
    page_slots.extend(slots)
    return mark_safe(_SLOT_TEXT.sub(lambda m: SLOT_MARK.format(offset + int(m.group(1))), html))  # noqa: S308 - our markers in our html


# The template library (settings: TEMPLATES' "libraries", as "pagecache").
register = template.Library()


def _recorded_slots(context) -> list | None:
    """The slots of a page being rendered for the cache; None when rendering for one reader."""
    return getattr(context.get("request"), "page_cache_slots", None)


class CardFlagNode(template.Node):
    def __init__(self, obj, flag, nodelist):
        self.obj, self.flag, self.nodelist = obj, flag, nodelist

    def render(self, context):
        slots = _recorded_slots(context)
        if slots is None:
            return self.nodelist.render(context)
        obj, flag = self.obj.resolve(context), self.flag.resolve(context)
        before = obj.__dict__.get(flag, _MISSING)
        try:
            setattr(obj, flag, False)
            anonymous = self.nodelist.render(context)
            setattr(obj, flag, True)
            member = self.nodelist.render(context)
        finally:
            if before is _MISSING:
                obj.__dict__.pop(flag, None)
            else:
                setattr(obj, flag, before)
        slots.append(("flag", flag, obj.pk, anonymous, member))
        return mark_safe(SLOT_MARK.format(len(slots) - 1))  # noqa: S308 - our own marker, no reader text


_MISSING = object()


@register.tag
def card_flag(parser, token):
    """``{% card_flag paper "voted" %}<markup reading paper.voted>{% endcard_flag %}``."""
    bits = token.split_contents()
    if len(bits) != 3:
        raise template.TemplateSyntaxError("card_flag takes an object and a flag name")
    nodelist = parser.parse(("endcard_flag",))
    parser.delete_first_token()
    return CardFlagNode(parser.compile_filter(bits[1]), parser.compile_filter(bits[2]), nodelist)


@register.simple_tag(takes_context=True)
def member_part(context, template_name: str, **values):
    """``{% member_part "_member_nav.html" %}``: include a template that needs only the request (the
    reader's user, the CSRF token, the return path) and the ``values`` given (plain values: they are
    stored with the page); for a member it is rendered per request."""
    template_ = context.template.engine.get_template(template_name)
    with context.push(**values):
        html = template_.render(context)
    slots = _recorded_slots(context)
    if slots is None:
        return html
    slots.append(("part", template_name, values or None, str(html), None))
    return mark_safe(SLOT_MARK.format(len(slots) - 1))  # noqa: S308 - our own marker, no reader text
