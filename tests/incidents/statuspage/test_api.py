"""The status page in the private API: an incident's status updates, and scheduled maintenance."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Component, ComponentStatus, IncidentStatus
from incidents.statuspage.models import ScheduledMaintenance
from tests.factories import ComponentFactory, IncidentFactory

pytestmark = pytest.mark.django_db


def test_publish_status_update_through_the_api(commander_api, commander, severities):
    api = ComponentFactory.create(name="API")
    incident = IncidentFactory.create(by=commander, public=True)
    url = f"/api/incidents/{incident.reference}/status-updates/"
    response = commander_api.post(
        url,
        {"status": "identified", "body": "Found it.", "components": [{"component": api.pk, "status": "major_outage"}]},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "identified"
    assert body["affected_components"] == [
        {"component": api.pk, "name": "API", "old_status": "operational", "new_status": "major_outage"}
    ]
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.IDENTIFIED
    assert Component.objects.get(pk=api.pk).status == ComponentStatus.MAJOR_OUTAGE
    listed = commander_api.get(url).json()
    assert [u["id"] for u in listed["results"]] == [body["id"]]
    bad = commander_api.post(url, {"status": "postmortem", "body": "too early"}, format="json")
    assert bad.status_code == 400
    assert "status" in bad.json()


def test_scheduled_maintenance_crud(commander_api, commander, severities):
    db = ComponentFactory.create(name="DB")
    now = timezone.now()
    payload = {
        "name": "Database upgrade",
        "scheduled_for": (now + timedelta(days=1)).isoformat(),
        "scheduled_until": (now + timedelta(days=1, hours=2)).isoformat(),
        "components": [db.pk],
        "body": "We will upgrade PostgreSQL.",
    }
    created = commander_api.post("/api/scheduled-maintenances/", payload, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "scheduled"
    assert [u["body"] for u in body["updates"]] == ["We will upgrade PostgreSQL."]
    pk = body["id"]
    started = commander_api.patch(f"/api/scheduled-maintenances/{pk}/", {"status": "in_progress"}, format="json")
    assert started.status_code == 200
    assert started.json()["started_at"] is not None
    assert len(started.json()["updates"]) == 2
    backwards = commander_api.patch(
        f"/api/scheduled-maintenances/{pk}/", {"scheduled_until": payload["scheduled_for"]}, format="json"
    )
    assert backwards.status_code == 400
    assert "scheduled_until" in backwards.json()
    commander_api.patch(f"/api/scheduled-maintenances/{pk}/", {"status": "completed"}, format="json")
    final = commander_api.patch(f"/api/scheduled-maintenances/{pk}/", {"status": "in_progress"}, format="json")
    assert final.status_code == 400
    assert commander_api.delete(f"/api/scheduled-maintenances/{pk}/").status_code == 204
    assert not ScheduledMaintenance.objects.exists()
