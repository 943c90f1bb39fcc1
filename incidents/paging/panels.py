"""Paging's panels in the commander's cockpit: page someone now."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from incidents import cockpit
from incidents.models import Incident
from incidents.paging import selectors
from incidents.paging.forms import PAGE_PERMISSION


def page_now(request: HttpRequest, incident: Incident) -> dict[str, Any] | None:
    if not (incident.is_open and request.user.has_perm(PAGE_PERMISSION)):
        return None
    return {"page_targets": selectors.page_now_choices()}


def register() -> None:
    cockpit.register_panel(
        cockpit.Panel("paging.page_now", "admin/paging/panels/page_now.html", page_now, cockpit.SIDE, order=5)
    )
