"""Rendering of the runbook's communication templates (section 3) from an incident, in the sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from incidents.languages import in_language, site_language
from incidents.library.message_values import message_values
from incidents.library.models import CommunicationTemplate
from incidents.library.sandbox import TemplateRefused, render_template
from incidents.models import Incident


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str


def render_message(template: CommunicationTemplate, incident: Incident, language: str | None = None) -> RenderedMessage:
    """Render without HTML escaping (plain-text messages) from plain values only; a template that
    cannot render (saved before the sandbox, or failing on this incident's data) is a ValidationError
    naming the field, in the language of the person reading it.

    The message is rendered in `language`: the recipient's where it is known (`user_language(user)`),
    else the site's, as for messages broadcast to addresses from the Communicate page. The values Warroom
    fills in (status words, impact, "unassigned") and the date filters follow it."""
    message_language = language or site_language()
    with in_language(message_language):
        values = message_values(incident)
    rendered = {}
    for field in ("subject", "body"):
        source = getattr(template, field)
        try:
            with in_language(message_language):
                rendered[field] = render_template(source, values).strip()
        except TemplateRefused as refused:
            raise ValidationError(
                {
                    field: _("Template “%(template)s”, %(field)s: %(error)s")
                    % {
                        "template": template.name,
                        "field": getattr(CommunicationTemplate._meta.get_field(field), "verbose_name", field),
                        "error": _reason_for_the_reader(source, values) or refused,
                    }
                }
            ) from refused
    return RenderedMessage(subject=" ".join(rendered["subject"].split()), body=rendered["body"] + "\n")


def _reason_for_the_reader(source: str, values: dict[str, Any]) -> TemplateRefused | None:
    """The sandbox's refusal again, in the active language (the reader's, not the message's)."""
    try:
        render_template(source, values)
    except TemplateRefused as refused:
        return refused
    return None
