"""``{% load paper_text %}``: abstracts as paragraphs with rendered math, or as plain readable text."""

from django import template

from dailypapers.papers import text

register = template.Library()


@register.filter
def rich_text(value):
    """Paragraphs and MathML (dailypapers.papers.text.rich_html)."""
    return text.rich_html(value)


@register.filter
def plain_text(value):
    """One readable line per paragraph, math as characters (dailypapers.papers.text.plain_text)."""
    return text.plain_text(value)


@register.filter
def author_count(value):
    """``{{ n|author_count }}``: "1 author", "3 authors" (dailypapers.papers.text.author_count)."""
    return text.author_count(int(value or 0))


@register.filter
def summary(value, count):
    """``abstract|summary:50``: ``plain_text|truncatewords:50``, cheaply (dailypapers.papers.text.summary)."""
    return text.summary(value, int(count))


@register.filter
def full_text(value):
    """A paper's stored full-text markdown as sanitized HTML with MathML (dailypapers.papers.text.full_text_html)."""
    return text.full_text_html(value)
