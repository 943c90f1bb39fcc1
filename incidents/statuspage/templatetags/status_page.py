from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

from django import template
from django.conf import settings
from django.utils import dateformat
from django.utils.html import format_html
from django.utils.safestring import SafeString

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


@register.filter
def status_label(value: str) -> str:
    """'partial_outage' -> 'Partial outage'."""
    return (value or "").replace("_", " ").capitalize()
