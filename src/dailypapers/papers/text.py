"""Abstracts and titles as readers should see them: one home for arXiv's text conventions.

arXiv stores abstracts as submitted to its ~80-column form: every line ends in a hard wrap, a new
paragraph is a newline followed by indentation, and math is LaTeX between dollars. Shown as stored,
249 of 250 real snapshot abstracts rendered a ``<br>`` mid-sentence. Here:

- ``reflow``: hard wraps joined, paragraphs kept (only where arXiv marks them), as plain text with
  paragraphs separated by a blank line; idempotent, so already reflowed text passes unchanged;
- ``plain_text``: math made readable for feeds, mail, JSON and markdown (``$\\mathcal{L}$`` → "ℒ");
- ``summary``: the first words of ``plain_text`` (cards, page descriptions);
- ``rich_html``: paragraphs as ``<p>``, math as MathML (rendered by the browser itself: no script, no
  CDN), everything else escaped. latex2mathml copies ``\\text{…}`` and ``\\href`` into its output as
  markup, so its MathML passes an allowlist sanitizer (nh3) before it reaches a page.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from dailypapers.lib.latex import _MATH, MATHML_ATTRIBUTES, MATHML_TAGS, MAX_MATH_CHARS, _latex_to_text, _math_source, _mathml, formula_html

log = logging.getLogger(__name__)

# A paragraph break in arXiv's text: a blank line, or a newline followed by indentation.
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*|\n[ \t]+")
def reflow(text: str | None) -> str:
    """arXiv's hard-wrapped text as paragraphs separated by a blank line, each on one line."""
    if not text:
        return ""
    if text.isascii():
        # Most abstracts: one paragraph of single-spaced lines, for which joining the lines is what the
        # general rule below gives, at a tenth of its cost (an import reflows every abstract of a snapshot).
        # It is one when, with newlines as spaces, no two whitespace characters touch, none is at an end
        # and none is another one str.split splits at. (One two-character search on the joined text
        # instead of four on the original, and single characters, which are found by memchr.)
        joined = text.replace("\n", " ")
        if (
            "  " not in joined and joined[0] != " " and joined[-1] != " "
            and "\t" not in joined and "\r" not in joined and "\x0b" not in joined and "\x0c" not in joined
            and "\x1c" not in joined and "\x1d" not in joined and "\x1e" not in joined and "\x1f" not in joined
        ):  # fmt: skip
            return joined
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    paragraphs = (" ".join(p.split()) for p in _PARAGRAPH_BREAK.split(text.strip()))
    return "\n\n".join(p for p in paragraphs if p)


def paragraphs(text: str | None) -> list[str]:
    return [p for p in reflow(text).split("\n\n") if p]


def plain_text(text: str | None) -> str:
    """Reflowed text with each formula turned into readable characters (feeds, mail, JSON, .md)."""

    def readable(match: re.Match) -> str:
        source, _ = _math_source(match)
        return _latex_to_text(source) if len(source) <= MAX_MATH_CHARS else match.group(0)

    return _MATH.sub(readable, reflow(text)).replace("\\$", "$")


def _paragraph_html(paragraph: str) -> str:
    out, last = [], 0
    for match in _MATH.finditer(paragraph):
        out.append(escape(paragraph[last:match.start()].replace("\\$", "$")))
        # A formula latex2mathml cannot read is shown as written, with its dollars.
        out.append(formula_html(match))
        last = match.end()
    out.append(escape(paragraph[last:].replace("\\$", "$")))
    return "".join(out)


def rich_html(text: str | None) -> SafeString:
    """Paragraphs and MathML for pages; safe to insert (all text escaped, MathML sanitized)."""
    return mark_safe("".join(f"<p>{_paragraph_html(p)}</p>" for p in paragraphs(text)))


def author_count(n: int) -> str:
    """``1 author``, ``3 authors``: the one pluralization of author counts (pages, cards, digests)."""
    return f"{n} author" if n == 1 else f"{n} authors"


def first_words(text: str, count: int, ellipsis: str = " …") -> str:
    """What Django's ``truncatewords`` gives (whitespace runs become one space, `` …`` after a cut),
    without its lazy wrapper and translation lookups: cards call it fifty times a render."""
    words = text.split()
    if len(words) <= count:
        return " ".join(words)
    cut = " ".join(words[:count])
    return cut if cut.endswith(ellipsis) else cut + ellipsis


@lru_cache(maxsize=8192)
def summary(text: str | None, count: int) -> str:
    """``plain_text`` cut after ``count`` words. Cached by the text: after each vote the same cards
    render again, and plain_text's formula parsing is most of what a card costs."""
    return first_words(plain_text(text), count)


# -- a paper's full text (markdown from arXiv's HTML, ``ingest.fulltext``) as a reading view ----------

FULL_TEXT_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "blockquote", "pre", "code", "em", "strong",
                  "a", "table", "thead", "tbody", "tr", "th", "td", "hr", "br", "span"} | MATHML_TAGS  # fmt: skip
_PLACEHOLDER = re.compile(r"MATHPLACEHOLDER(\d+)X")


def full_text_html(markdown: str | None) -> SafeString:
    """Stored full-text markdown as sanitized HTML: math as MathML (as abstracts), figures as links to
    their images (the page loads nothing from arXiv), raw HTML never passed through."""
    from markdown_it import MarkdownIt

    formulas: list[str] = []

    def protect(match: re.Match) -> str:
        source, display = _math_source(match)
        markup = _mathml(source, display) if source and len(source) <= MAX_MATH_CHARS else None
        formulas.append(f'<span class="math">{markup}</span>' if markup else escape(match.group(0)))
        return f"MATHPLACEHOLDER{len(formulas) - 1}X"

    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    parser.validateLink = lambda url: url.lower().startswith(("http://", "https://"))

    def figure_link(renderer, tokens, idx, options, env):
        token = tokens[idx]
        label = escape(renderer.renderInlineAsText(token.children or [], options, env) or "figure")
        return f'<a class="figure-link" href="{escape(token.attrGet("src") or "")}" rel="noopener">{label}</a>'

    parser.add_render_rule("image", figure_link)
    html = parser.render(_MATH.sub(protect, markdown or ""))
    html = _PLACEHOLDER.sub(lambda m: formulas[int(m.group(1))], html)
    attributes = {**MATHML_ATTRIBUTES, "a": {"href", "class"}, "span": {"class"}}
    return mark_safe(nh3.clean(html, tags=FULL_TEXT_TAGS, attributes=attributes, url_schemes={"http", "https"},  # noqa: S308 - nh3's allowlist
                               link_rel="noopener nofollow"))  # fmt: skip
