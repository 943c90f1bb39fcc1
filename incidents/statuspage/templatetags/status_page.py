from __future__ import annotations

from datetime import datetime

from django import template

register = template.Library()


@register.filter
def utc(value: str | None) -> str:
    """An ISO 8601 timestamp of the public format as 'YYYY-MM-DD HH:MM UTC'."""
    if not value:
        return ""
    return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M UTC")


@register.filter
def status_label(value: str) -> str:
    """'partial_outage' -> 'Partial outage'."""
    return (value or "").replace("_", " ").capitalize()
