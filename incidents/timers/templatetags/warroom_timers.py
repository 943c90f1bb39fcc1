from django import template

from incidents.timers.engine import heartbeat

register = template.Library()


@register.inclusion_tag("admin/incidents/_heartbeat_banner.html")
def heartbeat_banner() -> dict:
    return {"beat": heartbeat()}
