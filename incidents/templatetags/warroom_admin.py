from django import template

from incidents import live, selectors

register = template.Library()


@register.simple_tag
def open_incident_summary() -> dict:
    return {
        "by_severity": selectors.open_incident_counts_by_severity(),
        "breached": selectors.breached_open_incidents(),
    }


@register.simple_tag(takes_context=True)
def live_board(context: template.Context) -> dict:
    return live.board(context["request"].user.pk)
