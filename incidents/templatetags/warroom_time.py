"""Times in the active zone, the zone named: `{{ moment|local_time }}` → <time datetime="…UTC ISO…">2026-03-29
03:30 CEST</time>; `{{ moment|local_time:"H:i" }}` for the time alone."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString

from incidents.timezones import time_html, zoned_text

register = template.Library()


@register.filter
def local_time(moment: datetime | None, fmt: str = "Y-m-d H:i") -> SafeString | str:
    if not moment:
        return ""
    return time_html(moment, fmt)


@register.filter
def zoned(moment: datetime | None, fmt: str = "Y-m-d H:i") -> str:
    """The same text without the <time> element (for attributes and plain text)."""
    return zoned_text(moment, fmt) if moment else ""


@register.simple_tag
def zone_name() -> str:
    """The active zone's IANA name, e.g. Europe/Rome."""
    return timezone.get_current_timezone_name()
