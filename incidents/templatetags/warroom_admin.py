from django import template

from incidents import live

register = template.Library()


@register.simple_tag(takes_context=True)
def live_board(context: template.Context) -> dict:
    return live.board(context["request"].user.pk)
