from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def follow_state(context, kind: str, target: str) -> bool:
    """Whether the reader follows ``kind``/``target`` (one query; rendered per member by ``member_part``)."""
    from dailypapers.discovery.views import follow_state as state

    request = context.get("request")
    return state(request.user, kind, str(target)) if request is not None else False
