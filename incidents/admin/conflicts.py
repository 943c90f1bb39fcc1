"""A cockpit form refused because the incident changed meanwhile: the page is shown again with the fresh
values, and what the user had typed is kept (through the session, across the redirect) so that they
review it and resubmit rather than type it again."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from incidents.models import Incident
from incidents.services import parse_version

SESSION_KEY = "warroom.kept_input"


def posted_version(request: HttpRequest) -> int | None:
    """The version a cockpit form was rendered from (its hidden `version` input); absent means unchecked."""
    return parse_version(request.POST.get("version"))


def keep_input(request: HttpRequest, incident: Incident, form: str, fields: dict[str, Any]) -> None:
    """Keep a refused form's typed input for the next rendering of this incident's cockpit."""
    kept = request.session.get(SESSION_KEY, {})
    kept[f"{incident.pk}:{form}"] = fields
    request.session[SESSION_KEY] = kept


def kept_input(request: HttpRequest, incident: Incident, form: str) -> dict[str, Any]:
    """The input kept for this form of this incident, once (it is forgotten when read)."""
    kept = request.session.get(SESSION_KEY)
    if not kept:
        return {}
    fields = kept.pop(f"{incident.pk}:{form}", None)
    if fields is None:
        return {}
    request.session[SESSION_KEY] = kept
    return dict(fields)
