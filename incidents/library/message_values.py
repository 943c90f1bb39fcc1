"""The variables a communication template sees: plain values copied from the incident, never model
instances (a template could otherwise walk from `incident` to its authors' password hashes, their API
tokens or other incidents through related managers). `EXAMPLE` has the same shape and is what a
template is tried against when it is saved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.models import Incident

DEFAULT_UPDATE_MINUTES = 30  # the runbook's "Next Update: +30 minutes"


def impact_text(incident: Incident) -> str:
    """In the active language (the message's: see `communications.render_message`)."""
    facts = []
    if incident.users_affected_pct is not None:
        facts.append(_("%(percent)s%% of users affected") % {"percent": incident.users_affected_pct})
    if incident.data_impact:
        facts.append(_("data loss or corruption"))
    if incident.security_breach:
        facts.append(_("security breach"))
    return "; ".join(facts) or incident.severity.name


def _person(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def message_values(incident: Incident) -> dict[str, Any]:
    """The words Warroom supplies (status, impact, "unassigned") are in the active language: call it
    inside `in_language()` of the message."""
    severity = incident.severity
    cadence = severity.update_cadence
    components = [component.name for component in incident.components.all()]
    status_display = str(incident.get_status_display())
    return {
        "incident": {
            "reference": incident.reference,
            "title": incident.title,
            "summary": incident.summary,
            "status": incident.status,
            "status_display": status_display,
            "get_status_display": status_display,  # the spelling of templates written before the sandbox
            "severity": {"level": severity.level, "name": severity.name},
            "started_at": incident.started_at,
            "detected_at": incident.detected_at,
            "declared_at": incident.declared_at,
            "acknowledged_at": incident.acknowledged_at,
            "resolved_at": incident.resolved_at,
            "closed_at": incident.closed_at,
            "users_affected_pct": incident.users_affected_pct,
            "data_impact": incident.data_impact,
            "security_breach": incident.security_breach,
            "public": incident.public,
            "external_ticket": incident.external_ticket,
            "chat_channel": incident.chat_channel,
            "commander": _person(incident.commander),
            "components": components,
        },
        "impact": impact_text(incident),
        "components": ", ".join(components),
        "checklist": [
            {"label": item.label, "done": item.done, "done_at": item.done_at} for item in incident.checklist.all()
        ],
        "commander_name": _person(incident.commander) or _("unassigned"),
        "next_update_minutes": int(cadence.total_seconds() // 60) if cadence else DEFAULT_UPDATE_MINUTES,
        "status_page_url": settings.STATUS_PAGE_URL,
    }


_EXAMPLE_START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

EXAMPLE: dict[str, Any] = {
    "incident": {
        "reference": "INC-2026-01-01-001",
        "title": "Checkout returns 500",
        "summary": "Payments fail for most users.",
        "status": "investigating",
        "status_display": "Investigating",
        "get_status_display": "Investigating",
        "severity": {"level": "P1", "name": "Critical (Service Down)"},
        "started_at": _EXAMPLE_START,
        "detected_at": _EXAMPLE_START + timedelta(minutes=2),
        "declared_at": _EXAMPLE_START + timedelta(minutes=3),
        "acknowledged_at": None,
        "resolved_at": None,
        "closed_at": None,
        "users_affected_pct": 60,
        "data_impact": False,
        "security_breach": False,
        "public": True,
        "external_ticket": "",
        "chat_channel": "#incident-2026-01-01-001",
        "commander": "Alex Example",
        "components": ["Checkout", "Payments"],
    },
    "impact": "60% of users affected",
    "components": "Checkout, Payments",
    "checklist": [
        {"label": "Acknowledge incident (within SLA)", "done": True, "done_at": _EXAMPLE_START},
        {"label": "Notify stakeholders if P1/P2", "done": False, "done_at": None},
    ],
    "commander_name": "Alex Example",
    "next_update_minutes": DEFAULT_UPDATE_MINUTES,
    "status_page_url": "https://status.example.com/",
}

VARIABLES_HELP = gettext_lazy(
    "Variables: incident.reference, .title, .summary, .status, .status_display, .severity.level, "
    ".severity.name, .started_at, .detected_at, .declared_at, .acknowledged_at, .resolved_at, .closed_at, "
    ".users_affected_pct, .data_impact, .security_breach, .public, .external_ticket, .chat_channel, "
    ".commander, .components (a list of names); impact, components, checklist (each with .label, .done, "
    ".done_at), commander_name, next_update_minutes, status_page_url. Tags: if, for, with, firstof, now, "
    "comment, spaceless, verbatim, templatetag; no load, include or extends."
)
