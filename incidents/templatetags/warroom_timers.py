from django import template
from django.utils import timezone

from incidents import selectors
from incidents.timers import heartbeat

register = template.Library()


@register.inclusion_tag("admin/incidents/_heartbeat_banner.html")
def heartbeat_banner() -> dict:
    return {"beat": heartbeat()}


@register.inclusion_tag("admin/incidents/incident/_timers_panel.html")
def incident_timers_panel(incident) -> dict:
    return {
        "incident": incident,
        "now": timezone.now(),
        "upcoming": selectors.incident_upcoming_timers(incident),
        "fired": selectors.incident_fired_timers(incident),
        "notifications": selectors.incident_notifications(incident),
    }
