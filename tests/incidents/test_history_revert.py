"""Reverting an incident's details from its history page (django-simple-history's "Revert") restores
them through the same service as any edit: logged, versioned, and refused when the incident moved on."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidents import services
from incidents.models import TimelineKind
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def revert_form_data(page) -> dict:
    """What the browser posts from the revert page: every field as rendered."""
    form = page.context["adminform"].form
    data: dict[str, str | list[str]] = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, list | tuple):
            data[name] = [str(item) for item in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = str(value)
    return data


def test_revert_from_history_restores_the_details(commander_client, commander, severities):
    incident = IncidentFactory.create(by=commander, level="P2", title="Checkout slow", summary="p95 at 3 s")
    services.incident_update_details(incident, by=commander, title="Checkout down", summary="500s everywhere")
    old = incident.history.filter(title="Checkout slow").latest("history_date")
    url = reverse("admin:incidents_incident_simple_history", args=[incident.pk, old.history_id])
    page = commander_client.get(url)
    assert page.status_code == 200
    response = commander_client.post(url, {**revert_form_data(page), "_save": "1"})
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    incident.refresh_from_db()
    assert (incident.title, incident.summary) == ("Checkout slow", "p95 at 3 s")
    edits = incident.timeline.filter(kind=TimelineKind.EDIT).order_by("at", "id")
    assert edits.count() == 2
