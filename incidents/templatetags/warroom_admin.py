from django import template

from incidents import selectors

register = template.Library()


@register.simple_tag
def open_incident_summary() -> dict:
    return {
        "by_severity": selectors.open_incident_counts_by_severity(),
        "breached": selectors.breached_open_incidents(),
    }
