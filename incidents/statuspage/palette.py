"""The status page's command in the command palette (Ctrl-K): open the cockpit's publish form."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext

from incidents import palette
from incidents.models import Incident
from incidents.roles import COMMAND_PERMISSION


def publish_commands(request: HttpRequest, incident: Incident) -> list[palette.Command]:
    """The publish form is drawn for commanders only; the palette focuses its message."""
    if not request.user.has_perm(COMMAND_PERMISSION):
        return []
    return [
        palette.Command(
            gettext("Publish a status update"), "focus", "#wr-update-body", "status page public post message"
        )
    ]


def register() -> None:
    palette.register_incident_commands("statuspage.publish", publish_commands, order=20)
