"""Publishing a public status update: lifecycle, components, timeline and timers in one transaction."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from incidents import hooks, services
from incidents.models import Component, ComponentStatus, IncidentStatus, TimelineKind
from incidents.statuspage import services as status_services
from incidents.statuspage.models import StatusUpdate
from tests.factories import ComponentFactory, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned():
    """Incidents the `incident_changed` hook was sent for (the runbook clocks re-plan on it)."""
    seen: list[int] = []

    def record(sender, incident, **kwargs):
        seen.append(incident.pk)

    hooks.incident_changed.connect(record, dispatch_uid="test.planned")
    yield seen
    hooks.incident_changed.disconnect(dispatch_uid="test.planned")


def test_publish_moves_status_sets_components_and_logs(commander, severities, planned):
    api = ComponentFactory.create(name="API")
    incident = IncidentFactory.create(by=commander, level="P2", public=True)
    planned.clear()

    update = status_services.status_update_publish(
        incident,
        status="identified",
        body="We have identified the root cause and are implementing a fix.",
        by=commander,
        component_statuses={api: ComponentStatus.PARTIAL_OUTAGE},
    )

    incident.refresh_from_db()
    api.refresh_from_db()
    assert incident.status == IncidentStatus.IDENTIFIED
    assert incident.identified_at is not None
    assert api.status == ComponentStatus.PARTIAL_OUTAGE
    assert list(incident.components.all()) == [api]
    row = update.affected_components.get()
    assert (row.old_status, row.new_status) == (ComponentStatus.OPERATIONAL, ComponentStatus.PARTIAL_OUTAGE)
    kinds = list(incident.timeline.order_by("id").values_list("kind", flat=True))
    assert kinds[-2:] == [TimelineKind.STATUS, TimelineKind.STATUS_UPDATE]
    entry = incident.timeline.get(kind=TimelineKind.STATUS_UPDATE)
    assert entry.data["update"] == update.public_id
    assert "API operational → partial_outage" in entry.text
    assert entry.author == commander
    assert incident.pk in planned  # the timers are re-planned (next update due)


def test_same_status_publishes_without_a_transition(commander, severities):
    incident = IncidentFactory.create(by=commander)
    status_services.status_update_publish(incident, status="investigating", body="Still looking.", by=commander)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.INVESTIGATING
    assert not incident.timeline.filter(kind=TimelineKind.STATUS).exists()
    assert incident.timeline.filter(kind=TimelineKind.STATUS_UPDATE).count() == 1


def test_resolved_update_resolves_and_postmortem_needs_the_incident_over(commander, severities):
    incident = IncidentFactory.create(by=commander, level="P3")
    with pytest.raises(ValidationError) as refused:
        status_services.status_update_publish(incident, status="postmortem", body="Published.", by=commander)
    assert "status" in refused.value.message_dict
    status_services.status_update_publish(incident, status="resolved", body="Service has been restored.", by=commander)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    status_services.status_update_publish(incident, status="postmortem", body="Post-mortem is out.", by=commander)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED  # postmortem is public only
    assert StatusUpdate.objects.filter(incident=incident).count() == 2


def test_closed_incident_accepts_resolved_but_not_reopening(commander, severities):
    incident = IncidentFactory.create(by=commander, level="P4")
    services.incident_resolve(incident, by=commander)
    services.incident_close(incident, by=commander)
    status_services.status_update_publish(incident, status="resolved", body="All good.", by=commander)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED
    with pytest.raises(ValidationError):
        status_services.status_update_publish(incident, status="investigating", body="Again?", by=commander)
    assert StatusUpdate.objects.filter(incident=incident).count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"status": "identified", "body": "   "}, "body"),
        ({"status": "exploded", "body": "x"}, "status"),
        ({"status": "identified", "body": "x", "component_statuses": "bad"}, "component_statuses"),
    ],
)
def test_refused_update_writes_nothing(commander, severities, kwargs, field):
    api = ComponentFactory.create(name="API")
    if kwargs.get("component_statuses") == "bad":
        kwargs["component_statuses"] = {api: "on_fire"}
    incident = IncidentFactory.create(by=commander)
    before = incident.timeline.count()
    with pytest.raises(ValidationError) as refused:
        status_services.status_update_publish(incident, by=commander, **kwargs)
    assert field in refused.value.message_dict
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.INVESTIGATING
    assert incident.timeline.count() == before
    assert not StatusUpdate.objects.exists()
    assert Component.objects.get(pk=api.pk).status == ComponentStatus.OPERATIONAL


def test_illegal_transition_rolls_back_components(commander, severities):
    api = ComponentFactory.create(name="API")
    incident = IncidentFactory.create(by=commander)
    services.incident_resolve(incident, by=commander)
    services.incident_close(incident, by=commander)
    with pytest.raises(ValidationError):
        status_services.status_update_publish(
            incident,
            status="monitoring",
            body="x",
            by=commander,
            component_statuses={api: ComponentStatus.MAJOR_OUTAGE},
        )
    assert Component.objects.get(pk=api.pk).status == ComponentStatus.OPERATIONAL
    assert not StatusUpdate.objects.exists()
