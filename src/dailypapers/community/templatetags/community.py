from django import template

from dailypapers.community.notifications import unread_count
from dailypapers.community.thread import thread_context

register = template.Library()


@register.inclusion_tag("community/_thread.html", takes_context=True)
def comment_thread(context, paper):
    """The comments of ``paper`` with the forms its reader may use (the paper page's thread)."""
    return thread_context(context["request"].user, paper)


@register.simple_tag
def unread_notifications(user) -> int:
    """The member's unread notification count for the header (cached per member; 0 for readers)."""
    return unread_count(user)
