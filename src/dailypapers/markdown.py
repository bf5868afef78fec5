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
