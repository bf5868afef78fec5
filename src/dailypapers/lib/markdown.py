"""Markdown as an output format (``/papers/{id}.md``): outside text in, inert markdown out.

Titles, names and abstracts are text. Written into markdown unescaped, ``[x](javascript:…)`` in a
title becomes a link and ``<img onerror=…>`` raw HTML; a URL with a ``)`` closes its link early and
starts another (``https://x)[evil](javascript:alert(1))`` made a second link).
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

# What can start markup inside a line (emphasis, links, images, HTML, code spans, GFM strikethrough
# and tables). Short fields are written after a prefix ("# ", "Authors: "), so line-start markup
# (lists, headings) cannot arise and "Low-Rank", "J. Hu" stay as written.
_INLINE_MARKUP = re.compile(r"([\\`*_\[\]<>~|])")
# In running text (abstracts) only what makes links, images, HTML or code spans: escaping every
# dot and underscore would garble the LaTeX readers and language models expect to see as written.
_LINK_AND_HTML_MARKUP = re.compile(r"([\\`\[\]<>])")


def escape_text(text: str) -> str:
    """A short text (title, name, label) as literal markdown on one line."""
    return _INLINE_MARKUP.sub(r"\\\1", " ".join((text or "").split()))


def escape_prose(text: str) -> str:
    """Running text (an abstract): paragraphs kept, no link, image, HTML or code span possible."""
    return _LINK_AND_HTML_MARKUP.sub(r"\\\1", text or "")


def link(label: str, url: str) -> str | None:
    """``[label](url)`` for an http(s) URL, with every character that could end the destination
    percent-encoded; None for anything else (``javascript:``, relative, unparsable)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return f"[{escape_text(label)}]({quote(url, safe=':/?#@!$&*+,;=%~-._')})"


# Members' comments: markdown in, sanitized HTML out. Two layers, so a gap in one is caught by the
# other: markdown-it renders CommonMark with raw HTML off (``<script>`` stays text) and without
# images, and accepts link destinations only with an allowed scheme; nh3 then keeps nothing but the
# allowlist below, whatever markdown-it produced.
UNTRUSTED_TAGS = {"p", "em", "strong", "code", "pre", "a", "ul", "ol", "li", "blockquote"}
UNTRUSTED_LINK_SCHEMES = {"http", "https", "mailto"}
UNTRUSTED_LINK_REL = "nofollow ugc noopener"
# A mention: "@" not preceded by a word character (so e-mail addresses stay text), then a username.
MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9_][A-Za-z0-9_.+-]{0,149})")


def _allowed_link(url: str) -> bool:
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return False
    return scheme in UNTRUSTED_LINK_SCHEMES


def _untrusted_parser(mention_url):
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

    parser = MarkdownIt("commonmark", {"html": False}).disable(["image", "html_inline", "html_block"])
    parser.validateLink = _allowed_link  # relative links and every other scheme stay text

    def link_mentions(state) -> None:
        for block in state.tokens:
            if block.type != "inline" or not block.children:
                continue
            children, in_link = [], 0
            for token in block.children:
                if token.type == "link_open":
                    in_link += 1
                elif token.type == "link_close":
                    in_link -= 1
                if token.type != "text" or in_link or "@" not in token.content:
                    children.append(token)
                    continue
                text, last = token.content, 0
                for match in MENTION.finditer(text):
                    url = mention_url(match.group(1))
                    if url is None:
                        continue
                    if match.start() > last:
                        children.append(_text_token(Token, text[last : match.start()]))
                    opening = Token("link_open", "a", 1)
                    opening.attrs = {"href": url, "class": "mention"}
                    children += [opening, _text_token(Token, match.group(0)), Token("link_close", "a", -1)]
                    last = match.end()
                if last < len(text):
                    children.append(_text_token(Token, text[last:]))
            block.children = children

    if mention_url is not None:
        parser.core.ruler.push("link_mentions", link_mentions)
    return parser


def _text_token(token_class, content: str):
    token = token_class("text", "", 0)
    token.content = content
    return token


def render_untrusted(source: str, mention_url=None):
    """A member's markdown as sanitized HTML (a SafeString): the allowlist of UNTRUSTED_TAGS, links
    only to http(s)/mailto with ``rel="nofollow ugc noopener"``, no images, no raw HTML; LaTeX math
    (``$x^2$``) as MathML, as abstracts show it.

    ``mention_url(username)`` gives the profile URL of an ``@username`` that names a member (the
    mention becomes a link to it) or None (it stays text); without it mentions are text.
    """
    import nh3
    from django.utils.safestring import mark_safe

    from dailypapers.lib.latex import protect_math, restore_math

    # Math as in abstracts (one rule, lib.latex): $x^2$ becomes MathML, sanitized on its own.
    source, formulas = protect_math(source or "")
    html = _untrusted_parser(mention_url).render(source)
    clean = nh3.clean(
        html,
        tags=UNTRUSTED_TAGS,
        attributes={"a": {"href"}},
        allowed_classes={"a": {"mention"}},
        url_schemes=UNTRUSTED_LINK_SCHEMES,
        link_rel=UNTRUSTED_LINK_REL,
        strip_comments=True,
    )
    return mark_safe(restore_math(clean, formulas))  # noqa: S308 - nh3 has just reduced it to the allowlist; MathML is sanitized by lib.latex


def mentioned_usernames(source: str) -> list[str]:
    """The ``@names`` a text mentions, in order, each once (whether they are members is the caller's question)."""
    seen = []
    for name in MENTION.findall(source or ""):
        if name not in seen:
            seen.append(name)
    return seen
