"""The library's panels in the commander's cockpit: the Communicate button, suggested playbooks and the
quick reference."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from incidents import cockpit
from incidents.library import selectors
from incidents.models import Incident


def communicate(request: HttpRequest, incident: Incident) -> dict[str, Any] | None:
    return {} if request.user.has_perm("incidents.change_incident") else None


def playbooks(request: HttpRequest, incident: Incident) -> dict[str, Any] | None:
    suggested = selectors.suggested_playbooks(incident)
    can_apply = incident.is_open and request.user.has_perm("incidents.change_incident")
    return {"playbooks": suggested, "can_apply": can_apply} if suggested else None


def quick_reference(request: HttpRequest, incident: Incident) -> dict[str, Any] | None:
    links = selectors.quick_reference()
    return {"quick_reference": links} if links else None


def register() -> None:
    cockpit.register_panel(
        cockpit.Panel("library.communicate", "admin/library/panels/communicate.html", communicate, cockpit.HEADER, 10)
    )
    cockpit.register_panel(
        cockpit.Panel("library.playbooks", "admin/library/panels/playbooks.html", playbooks, cockpit.SIDE, 20)
    )
    cockpit.register_panel(
        cockpit.Panel(
            "library.quick_reference", "admin/library/panels/quick_reference.html", quick_reference, cockpit.SIDE, 200
        )
    )
