"""The cockpit's roles panel: commander, communications lead, scribe and responders, and the actions it
posts (set roles, hand over command, add or remove a responder), each one service call."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents import cockpit, selectors, services
from incidents.forms import HandOverForm, ResponderAddForm, ResponderRemoveForm, RolesForm
from incidents.models import Incident, IncidentStatus
from incidents.roles import COMMAND_PERMISSION, person

# Cockpit actions of this panel; the first two need the command permission, the others change_incident.
COMMAND_ACTIONS = ("roles", "handover")
ACTIONS = (*COMMAND_ACTIONS, "responder-add", "responder-remove")
ROLE_LABELS = (
    ("commander", gettext_lazy("Incident commander")),
    ("communications_lead", gettext_lazy("Communications lead")),
    ("scribe", gettext_lazy("Scribe")),
)


def roles_panel(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    can_change = request.user.has_perm("incidents.change_incident") and incident.status != IncidentStatus.CLOSED
    holders = [
        (label, role, person(getattr(incident, role)) if getattr(incident, f"{role}_id") else _("unassigned"))
        for role, label in ROLE_LABELS
    ]
    return {
        "role_holders": holders,
        "responders": list(incident.responders.all()),
        "people": selectors.active_people() if can_change else [],
        "can_change_roles": can_change,
        "can_command_roles": can_change and request.user.has_perm(COMMAND_PERMISSION),
        "page_default": incident.is_open,
    }


def register() -> None:
    cockpit.register_panel(
        cockpit.Panel("incidents.roles", "admin/incidents/panels/roles.html", roles_panel, cockpit.SIDE, order=1)
    )


def _valid(form: Any) -> dict[str, Any]:
    if not form.is_valid():
        raise ValidationError(form.errors.as_text())
    return form.cleaned_data


def run(request: HttpRequest, incident: Incident, action: str) -> str:
    """Run one roles action from the cockpit; returns what was done, for the message and the admin log."""
    user = request.user
    if action == "roles":
        data = _valid(RolesForm(request.POST))
        services.incident_set_roles(incident, by=user, roles={role: data[role] for role in services.ASSIGNABLE_ROLES})
        return _("roles updated")
    if action == "handover":
        data = _valid(HandOverForm(request.POST))
        services.incident_hand_over_command(incident, by=user, to=data["to"], note=data["note"])
        return _("command handed over to %(person)s") % {"person": person(data["to"])}
    if action == "responder-add":
        data = _valid(ResponderAddForm(request.POST))
        services.incident_add_responder(incident, by=user, user=data["user"], page=data["page"])
        if data["page"]:
            return _("added %(person)s as a responder and paged them") % {"person": person(data["user"])}
        return _("added %(person)s as a responder") % {"person": person(data["user"])}
    if action == "responder-remove":
        data = _valid(ResponderRemoveForm(request.POST))
        services.incident_remove_responder(incident, by=user, user=data["user"])
        return _("removed %(person)s from the responders") % {"person": person(data["user"])}
    raise ValidationError(_("Unknown action %(action)s.") % {"action": repr(action)})
