"""Paging's command in the command palette (Ctrl-K): the cockpit's page-now form (id wr-page-now).

Offered only while the cockpit draws that form (incidents/static/incidents/palette.js looks it up)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from incidents import palette
from incidents.models import Incident


def page_now_commands(request: HttpRequest, incident: Incident) -> list[palette.Command]:
    return [
        palette.Command(
            _("Page someone now"),
            "focus",
            "#wr-page-now",
            # Words the palette also matches: English ones and their translation.
            "page call escalate on-call wake tier " + _("page call escalate on-call wake tier"),
        )
    ]


def register() -> None:
    palette.register_incident_commands("paging.page_now", page_now_commands, order=30)
