from django import template

from dailypapers.community.thread import thread_context

register = template.Library()


@register.inclusion_tag("community/_thread.html", takes_context=True)
def comment_thread(context, paper):
    """The comments of ``paper`` with the forms its reader may use (the paper page's thread)."""
    return thread_context(context["request"].user, paper)
