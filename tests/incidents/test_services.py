from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents import services
from incidents.models import INITIAL_RESPONSE_CHECKLIST, Incident, IncidentStatus, TimelineEntry, TimelineKind
from tests.factories import ComponentFactory, IncidentFactory, publish_postmortem

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def kinds(incident: Incident) -> list[str]:
    return list(incident.timeline.order_by("at", "id").values_list("kind", flat=True))


@time_machine.travel(T0, tick=False)
def test_declare_writes_reference_checklist_and_timeline(severities, commander):
    api = ComponentFactory.create(name="API")
    incident = services.incident_declare(
        title="API down", severity=severities["P1"], by=commander, components=[api], service_down=True
    )
    assert incident.reference == "INC-2026-11-27-001"
    assert incident.status == IncidentStatus.INVESTIGATING
    assert incident.started_at == T0
    assert incident.commander == commander
    assert incident.chat_channel == "#incident-2026-11-27-001"
    assert list(incident.components.all()) == [api]
    assert list(incident.checklist.values_list("label", flat=True)) == list(INITIAL_RESPONSE_CHECKLIST)
    done = set(incident.checklist.filter(done_at__isnull=False).values_list("label", flat=True))
    assert done == {"Identify severity level", "Begin incident log"}
    entry = incident.timeline.get()
    assert entry.kind == TimelineKind.DECLARED
    assert entry.author == commander
    assert entry.data["suggested_severity"] == "P1"
    second = services.incident_declare(title="Second", severity=severities["P4"], by=commander)
    assert second.reference == "INC-2026-11-27-002"


@time_machine.travel(T0, tick=False)
def test_reference_sequence_restarts_each_day(severities, commander):
    assert IncidentFactory.create(by=commander).reference == "INC-2026-11-27-001"
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        assert IncidentFactory.create(by=commander).reference == "INC-2026-11-28-001"


def test_commander_choice_wins_over_suggestion_and_is_logged(severities, commander):
    incident = services.incident_declare(
        title="Data corrupted", severity=severities["P3"], by=commander, data_impact=True
    )
    assert incident.severity.level == "P3"
    entry = incident.timeline.get(kind=TimelineKind.DECLARED)
    assert entry.data["suggested_severity"] == "P1"
    assert "Suggested P1" in entry.text
    assert "commander chose P3" in entry.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "  ", "title"),
        ("users_affected_pct", 140, "users_affected_pct"),
        ("started_at", timezone.now() + timedelta(hours=1), "started_at"),
    ],
)
def test_declare_refuses_bad_input_and_writes_nothing(severities, commander, field, value, message):
    kwargs = {"title": "ok", "severity": severities["P2"], "by": commander, field: value}
    with pytest.raises(ValidationError) as refused:
        services.incident_declare(**kwargs)
    assert message in refused.value.message_dict
    assert Incident.objects.count() == 0
    assert TimelineEntry.objects.count() == 0


def test_declare_with_past_start(severities, commander):
    started = timezone.now() - timedelta(minutes=40)
    incident = services.incident_declare(title="Late", severity=severities["P1"], by=commander, started_at=started)
    assert incident.started_at == started
    assert incident.detected_at >= started
    assert incident.acknowledge_breached  # 40 minutes > P1's 15-minute response target


def test_acknowledge_once(severities, commander, responder):
    incident = IncidentFactory.create(by=commander, level="P2")
    incident = services.incident_acknowledge(incident, by=responder)
    assert incident.acknowledged_at is not None
    assert incident.acknowledged_by == responder
    assert kinds(incident) == [TimelineKind.DECLARED, TimelineKind.ACKNOWLEDGED]
    ack_item = incident.checklist.get(position=1)
    assert (ack_item.done_by, ack_item.done_at) == (responder, incident.acknowledged_at)
    with pytest.raises(ValidationError, match="already acknowledged"):
        services.incident_acknowledge(incident, by=commander)
    assert incident.timeline.count() == 2


def test_status_walk_sets_timestamps_and_logs(severities, commander):
    incident = IncidentFactory.create(by=commander, level="P3")  # P1/P2 need a published post-mortem to close
    for status in ("identified", "monitoring", "resolved", "closed"):
        incident = services.incident_move_status(incident, status=status, by=commander)
    assert incident.status == IncidentStatus.CLOSED
    stamps = [incident.identified_at, incident.monitoring_at, incident.resolved_at, incident.closed_at]
    assert None not in stamps
    assert stamps == sorted(stamps)  # type: ignore[type-var]
    moves = [e.data for e in incident.timeline.filter(kind=TimelineKind.STATUS).order_by("at", "id")]
    assert [(m["from"], m["to"]) for m in moves] == [
        ("investigating", "identified"),
        ("identified", "monitoring"),
        ("monitoring", "resolved"),
        ("resolved", "closed"),
    ]


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ([], "closed"),  # close an open incident
        (["resolved", "closed"], "resolved"),  # resolve a closed incident
        (["resolved", "closed"], "investigating"),  # reopen a closed incident
        (["identified"], "identified"),  # same state
        ([], "bogus"),
    ],
)
def test_illegal_moves_change_nothing(severities, commander, path, illegal):
    incident = IncidentFactory.create(by=commander, level="P3")
    for status in path:
        incident = services.incident_move_status(incident, status=status, by=commander)
    before = (Incident.objects.values().get(pk=incident.pk), incident.timeline.count())
    with pytest.raises(ValidationError) as refused:
        services.incident_move_status(incident, status=illegal, by=commander)
    assert "status" in refused.value.message_dict
    assert (Incident.objects.values().get(pk=incident.pk), incident.timeline.count()) == before


def test_resolve_then_reopen_clears_resolution(severities, commander):
    incident = IncidentFactory.create(by=commander, level="P3")
    incident = services.incident_resolve(incident, by=commander, note="fixed")
    assert incident.resolved_at is not None
    assert "fixed" in incident.timeline.filter(kind=TimelineKind.STATUS).get().text
    incident = services.incident_move_status(incident, status="investigating", by=commander)
    assert incident.resolved_at is None
    assert incident.is_open


def test_acknowledging_a_resolved_incident_is_refused(severities, commander):
    incident = services.incident_resolve(IncidentFactory.create(by=commander), by=commander)
    with pytest.raises(ValidationError, match="nothing to acknowledge"):
        services.incident_acknowledge(incident, by=commander)


def test_change_severity(severities, commander):
    incident = IncidentFactory.create(by=commander, level="P3")
    incident = services.incident_change_severity(incident, severity=severities["P1"], by=commander, reason="spreading")
    assert incident.severity.level == "P1"
    entry = incident.timeline.get(kind=TimelineKind.SEVERITY)
    assert entry.text == "Upgraded from P3 to P1: spreading"
    assert entry.data == {"from": "P3", "to": "P1"}
    with pytest.raises(ValidationError, match="already P1"):
        services.incident_change_severity(incident, severity=severities["P1"], by=commander)
    resolved = services.incident_resolve(incident, by=commander)
    publish_postmortem(resolved, by=commander)  # a P1 closes only with a published post-mortem
    closed = services.incident_close(resolved, by=commander)
    with pytest.raises(ValidationError, match="final"):
        services.incident_change_severity(closed, severity=severities["P4"], by=commander)
    assert Incident.objects.get(pk=incident.pk).severity.level == "P1"


def test_notes_and_checklist(severities, commander, responder):
    incident = IncidentFactory.create(by=commander)
    entry = services.incident_add_note(incident, by=responder, text="Rolled back deploy 412")
    assert (entry.kind, entry.author, entry.text) == (TimelineKind.NOTE, responder, "Rolled back deploy 412")
    with pytest.raises(ValidationError):
        services.incident_add_note(incident, by=responder, text="   ")
    item = incident.checklist.get(position=2)
    item = services.checklist_item_tick(item, by=responder)
    assert item.done_by == responder
    assert item.done_at is not None
    assert incident.timeline.filter(kind=TimelineKind.CHECKLIST, data__item=item.pk).count() == 1
    with pytest.raises(ValidationError, match="already ticked"):
        services.checklist_item_tick(item, by=commander)
    assert incident.timeline.filter(kind=TimelineKind.CHECKLIST).count() == 1


def test_timeline_is_append_only(severities, commander):
    entry = IncidentFactory.create(by=commander).timeline.get()
    entry.text = "rewritten"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()


def test_update_details_logs_changed_fields(severities, commander, responder):
    incident = IncidentFactory.create(by=commander)
    api = ComponentFactory.create(name="API")
    incident = services.incident_update_details(
        incident, by=commander, title="New title", public=True, components=[api], responders=[responder]
    )
    assert incident.title == "New title"
    entry = incident.timeline.get(kind=TimelineKind.EDIT)
    assert entry.data["fields"] == ["title", "public", "components", "responders"]
    with pytest.raises(ValidationError, match="cannot be edited"):
        services.incident_update_details(incident, by=commander, status="closed")
    with pytest.raises(ValidationError):
        services.incident_update_details(incident, by=commander, users_affected_pct=300)
    assert Incident.objects.get(pk=incident.pk).users_affected_pct is None
