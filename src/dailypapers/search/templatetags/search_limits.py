"""``{% load search_limits %}``: the search room's input limits for the forms in templates."""

from django import template

from dailypapers.search.backends.base import MAX_QUERY_CHARS

register = template.Library()


@register.simple_tag
def max_query_chars() -> int:
    """The ``maxlength`` of search boxes: the limit the page, the APIs and feeds apply."""
    return MAX_QUERY_CHARS
