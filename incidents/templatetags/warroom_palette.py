"""The command palette's container, included once by templates/admin/base_site.html."""

from __future__ import annotations

from typing import Any

from django import template

from incidents.palette import palette_data

register = template.Library()


@register.inclusion_tag("admin/incidents/palette.html", takes_context=True)
def command_palette(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    # Not for the anonymous (login page) nor in the admin's small "add related object" popups.
    if request is None or user is None or not (user.is_active and user.is_staff) or context.get("is_popup"):
        return {"palette": None}
    return {"palette": palette_data(request, context)}
