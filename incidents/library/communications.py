"""Rendering of the runbook's communication templates (section 3) from an incident."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template import Context, Template, TemplateSyntaxError

from incidents.library.models import CommunicationTemplate
from incidents.models import Incident

DEFAULT_UPDATE_MINUTES = 30  # the runbook's "Next Update: +30 minutes"


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str


def impact_text(incident: Incident) -> str:
    facts = []
    if incident.users_affected_pct is not None:
        facts.append(f"{incident.users_affected_pct}% of users affected")
    if incident.data_impact:
        facts.append("data loss or corruption")
    if incident.security_breach:
        facts.append("security breach")
    return "; ".join(facts) or incident.severity.name


def template_context(incident: Incident) -> dict[str, Any]:
    cadence = incident.severity.update_cadence
    commander = incident.commander
    return {
        "incident": incident,
        "impact": impact_text(incident),
        "components": ", ".join(c.name for c in incident.components.all()),
        "checklist": list(incident.checklist.all()),
        "commander_name": (commander.get_full_name() or commander.get_username()) if commander else "unassigned",
        "next_update_minutes": int(cadence.total_seconds() // 60) if cadence else DEFAULT_UPDATE_MINUTES,
        "status_page_url": settings.STATUS_PAGE_URL,
    }


def render_message(template: CommunicationTemplate, incident: Incident) -> RenderedMessage:
    """Render without HTML escaping: these are plain-text messages."""
    context = Context(template_context(incident), autoescape=False)
    try:
        subject = Template(template.subject).render(context).strip()
        body = Template(template.body).render(context).strip() + "\n"
    except TemplateSyntaxError as error:
        raise ValidationError(f"Template “{template.name}” has an error: {error}") from error
    return RenderedMessage(subject=" ".join(subject.split()), body=body)
