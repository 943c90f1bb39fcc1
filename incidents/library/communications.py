"""Rendering of the runbook's communication templates (section 3) from an incident, in the sandbox."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from incidents.library.message_values import message_values
from incidents.library.models import CommunicationTemplate
from incidents.library.sandbox import TemplateRefused, render_template
from incidents.models import Incident


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str


def render_message(template: CommunicationTemplate, incident: Incident) -> RenderedMessage:
    """Render without HTML escaping (plain-text messages) from plain values only; a template that
    cannot render (saved before the sandbox, or failing on this incident's data) is a ValidationError
    naming the field."""
    values = message_values(incident)
    rendered = {}
    for field in ("subject", "body"):
        try:
            rendered[field] = render_template(getattr(template, field), values).strip()
        except TemplateRefused as error:
            raise ValidationError({field: f"Template “{template.name}”, {field}: {error}"}) from error
    return RenderedMessage(subject=" ".join(rendered["subject"].split()), body=rendered["body"] + "\n")
