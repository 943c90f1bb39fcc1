"""The status page in the admin: publishing and withdrawing from the cockpit, scheduled maintenance."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidents.models import IncidentStatus, TimelineKind
from incidents.statuspage.http import drop_status_cache
from tests.factories import ComponentFactory, IncidentFactory

pytestmark = pytest.mark.django_db


def test_publish_status_update_from_the_cockpit(commander_client, commander, severities):
    from incidents.models import Component, ComponentStatus
    from incidents.statuspage.models import StatusUpdate

    api = ComponentFactory.create(name="API")
    incident = IncidentFactory.create(by=commander, level="P2", public=True, components=[api])
    change = reverse("admin:incidents_incident_change", args=[incident.pk])
    page = commander_client.get(change).content.decode()
    assert "Publish status update" in page
    assert "We are investigating reports of service unavailability." in page  # runbook 3.3 wording
    url = reverse("admin:statuspage_statusupdate_cockpit", args=[incident.pk, "publish"])
    response = commander_client.post(
        url,
        {"status": "identified", "body": "We have identified the root cause.", f"component-{api.pk}": "major_outage"},
        follow=True,
    )
    assert response.status_code == 200
    assert "status update published" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.IDENTIFIED
    assert Component.objects.get(pk=api.pk).status == ComponentStatus.MAJOR_OUTAGE
    update = StatusUpdate.objects.get(incident=incident)
    assert update.body == "We have identified the root cause."
    assert incident.timeline.filter(kind=TimelineKind.STATUS_UPDATE).exists()
    refused = commander_client.post(url, {"status": "postmortem", "body": "x"}, follow=True)
    assert "still open" in refused.content.decode()
    assert StatusUpdate.objects.count() == 1


def test_only_commanders_publish_status_updates(client, responder, commander, severities):
    from incidents.statuspage.models import StatusUpdate

    incident = IncidentFactory.create(by=commander)
    client.force_login(responder)
    page = client.get(reverse("admin:incidents_incident_change", args=[incident.pk])).content.decode()
    assert "Publish status update" not in page
    url = reverse("admin:statuspage_statusupdate_cockpit", args=[incident.pk, "publish"])
    assert client.post(url, {"status": "identified", "body": "x"}).status_code == 403
    assert not StatusUpdate.objects.exists()


def test_scheduled_maintenance_through_the_admin(commander_client, commander, severities):
    from incidents.statuspage.models import MaintenanceStatus, ScheduledMaintenance

    db = ComponentFactory.create(name="DB")
    add = commander_client.post(
        reverse("admin:statuspage_scheduledmaintenance_add"),
        {
            "name": "Database upgrade",
            "status": "scheduled",
            "impact": "maintenance",
            "scheduled_for_0": "2030-01-01",
            "scheduled_for_1": "02:00:00",
            "scheduled_until_0": "2030-01-01",
            "scheduled_until_1": "04:00:00",
            "components": [db.pk],
            "body": "",
            "updates-TOTAL_FORMS": "0",
            "updates-INITIAL_FORMS": "0",
        },
    )
    assert add.status_code == 302, add.content.decode()[:3000]
    maintenance = ScheduledMaintenance.objects.get()
    assert list(maintenance.components.all()) == [db]
    assert maintenance.updates.count() == 1
    change = commander_client.post(
        reverse("admin:statuspage_scheduledmaintenance_change", args=[maintenance.pk]),
        {
            "name": "Database upgrade",
            "status": "in_progress",
            "impact": "maintenance",
            "scheduled_for_0": "2030-01-01",
            "scheduled_for_1": "02:00:00",
            "scheduled_until_0": "2030-01-01",
            "scheduled_until_1": "04:00:00",
            "components": [db.pk],
            "body": "Started.",
            "updates-TOTAL_FORMS": "1",
            "updates-INITIAL_FORMS": "1",
            "updates-0-id": maintenance.updates.get().pk,
            "updates-0-maintenance": maintenance.pk,
        },
    )
    assert change.status_code == 302, change.content.decode()[:3000]
    maintenance.refresh_from_db()
    assert maintenance.status == MaintenanceStatus.IN_PROGRESS
    assert maintenance.started_at is not None
    assert list(maintenance.updates.values_list("body", flat=True)) == ["Started.", "This maintenance is scheduled."]


def test_withdraw_a_status_update_from_the_cockpit(commander_client, commander, severities):
    from incidents.statuspage import services as status_services
    from incidents.statuspage.models import StatusUpdate

    incident = IncidentFactory.create(by=commander, public=True)
    update = status_services.status_update_publish(
        incident, status="investigating", body="Wrong incident", by=commander
    )
    url = reverse("admin:statuspage_statusupdate_cockpit", args=[incident.pk, "withdraw"])
    response = commander_client.post(url, {"update": update.pk}, follow=True)
    assert "withdrawn" in response.content.decode()
    assert StatusUpdate.objects.get(pk=update.pk).published is False
    assert incident.timeline.filter(kind=TimelineKind.EDIT, text__startswith="Withdrew").exists()
    again = commander_client.post(url, {"update": update.pk}, follow=True)
    assert "already withdrawn" in again.content.decode()

    drop_status_cache()  # what a commit runs; a test transaction never commits
    assert commander_client.get("/status/api/v2/incidents.json").json()["incidents"][0]["incident_updates"] == []
