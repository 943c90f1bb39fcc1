from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

from django import template
from django.conf import settings
from django.utils import dateformat
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

register = template.Library()


def page_zone() -> zoneinfo.ZoneInfo:
    """The zone the status page shows its times in (STATUS_PAGE_TIME_ZONE)."""
    return zoneinfo.ZoneInfo(settings.STATUS_PAGE_TIME_ZONE)


@register.filter
def page_time(value: str | datetime | None) -> SafeString | str:
    """A moment (ISO 8601 text of the public format, or a datetime) in the page's zone, the zone named,
    inside <time datetime="…UTC ISO…" data-local>: with JavaScript on, local-time.js rewrites it in the
    visitor's own zone."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = moment.astimezone(page_zone())
    return format_html(
        '<time datetime="{}" data-local>{} {}</time>',
        moment.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        dateformat.format(local, "Y-m-d H:i"),
        local.tzname(),
    )


@register.simple_tag
def page_time_zone() -> str:
    return str(settings.STATUS_PAGE_TIME_ZONE)


# What the page shows for the codes of the public format (which stays English: v2.py).
STATUS_LABELS = {
    # components
    "operational": _("Operational"),
    "degraded_performance": _("Degraded performance"),
    "partial_outage": _("Partial outage"),
    "major_outage": _("Major outage"),
    "under_maintenance": _("Under maintenance"),
    # incidents
    "investigating": _("Investigating"),
    "identified": _("Identified"),
    "monitoring": _("Monitoring"),
    "resolved": _("Resolved"),
    "postmortem": _("Postmortem"),
    # maintenance
    "scheduled": _("Scheduled"),
    "in_progress": _("In progress"),
    "verifying": _("Verifying"),
    "completed": _("Completed"),
}
IMPACT_LABELS = {
    "none": pgettext_lazy("impact", "none"),
    "maintenance": pgettext_lazy("impact", "maintenance"),
    "minor": pgettext_lazy("impact", "minor"),
    "major": pgettext_lazy("impact", "major"),
    "critical": pgettext_lazy("impact", "critical"),
}
# The page's overall status (v2's INDICATOR_DESCRIPTION, in the reader's language).
INDICATOR_LABELS = {
    "none": _("All Systems Operational"),
    "maintenance": _("Service Under Maintenance"),
    "minor": _("Minor Service Outage"),
    "major": _("Partial System Outage"),
    "critical": _("Major Service Outage"),
}


@register.filter
def status_label(value: str) -> str:
    """'partial_outage' -> 'Partial outage' (in the active language); an unknown code as words."""
    label = STATUS_LABELS.get(value or "")
    return str(label) if label is not None else (value or "").replace("_", " ").capitalize()


@register.filter
def impact_label(value: str) -> str:
    label = IMPACT_LABELS.get(value or "")
    return str(label) if label is not None else (value or "")


@register.filter
def indicator_label(value: str) -> str:
    label = INDICATOR_LABELS.get(value or "")
    return str(label) if label is not None else (value or "")
