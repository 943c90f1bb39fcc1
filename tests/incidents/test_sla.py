"""SLA clocks derive from timestamps and the severity policy; the clock is moved, never slept."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from incidents import selectors, services
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

# (level, response target, resolution target) from the runbook.
TARGETS = [
    ("P1", timedelta(minutes=15), timedelta(hours=2)),
    ("P2", timedelta(hours=1), timedelta(hours=8)),
    ("P3", timedelta(hours=4), timedelta(hours=24)),
    ("P4", timedelta(hours=24), None),
]


def breached_in_db(incident) -> bool:
    return selectors.incidents_with_sla().get(pk=incident.pk).sla_breached  # type: ignore[attr-defined]


@pytest.mark.parametrize(("level", "respond", "resolve"), TARGETS)
def test_due_times_and_breach_flags(severities, commander, level, respond, resolve):
    with time_machine.travel(T0, tick=False) as clock:
        incident = IncidentFactory.create(by=commander, level=level)
        assert incident.acknowledge_due_at == T0 + respond
        assert incident.resolve_due_at == (T0 + resolve if resolve else None)
        assert not incident.breached
        assert not breached_in_db(incident)
        assert incident.next_sla_deadline == ("acknowledge", T0 + respond)

        clock.move_to(T0 + respond - timedelta(seconds=1))
        assert not incident.acknowledge_breached
        assert not breached_in_db(incident)
        clock.move_to(T0 + respond + timedelta(seconds=1))
        assert incident.acknowledge_breached
        assert breached_in_db(incident)


def test_acknowledged_in_time_stops_the_response_clock(severities, commander):
    with time_machine.travel(T0, tick=False) as clock:
        incident = IncidentFactory.create(by=commander, level="P1")
        clock.move_to(T0 + timedelta(minutes=10))
        incident = services.incident_acknowledge(incident, by=commander)
        clock.move_to(T0 + timedelta(minutes=90))
        assert incident.time_to_acknowledge == timedelta(minutes=10)
        assert not incident.acknowledge_breached
        assert not breached_in_db(incident)
        assert incident.next_sla_deadline == ("resolve", T0 + timedelta(hours=2))
        clock.move_to(T0 + timedelta(hours=2, seconds=1))
        assert incident.resolve_breached
        assert breached_in_db(incident)


def test_resolution_time_is_derived(severities, commander):
    with time_machine.travel(T0, tick=False) as clock:
        incident = IncidentFactory.create(by=commander, level="P2")
        clock.move_to(T0 + timedelta(minutes=30))
        incident = services.incident_acknowledge(incident, by=commander)
        clock.move_to(T0 + timedelta(hours=3))
        incident = services.incident_resolve(incident, by=commander)
        clock.move_to(T0 + timedelta(days=3))
        assert incident.time_to_resolve == timedelta(hours=3)
        assert incident.duration == timedelta(hours=3)
        assert not incident.breached
        assert not breached_in_db(incident)
        assert incident.next_sla_deadline is None


def test_late_acknowledgement_stays_breached(severities, commander):
    with time_machine.travel(T0, tick=False) as clock:
        incident = IncidentFactory.create(by=commander, level="P1")
        clock.move_to(T0 + timedelta(minutes=20))
        incident = services.incident_acknowledge(incident, by=commander)
        assert incident.acknowledge_breached
        assert breached_in_db(incident)
        assert incident.timeline.get(kind="acknowledged").data["breached"] is True


def test_best_effort_never_breaches_resolution(severities, commander):
    with time_machine.travel(T0, tick=False) as clock:
        incident = services.incident_acknowledge(IncidentFactory.create(by=commander, level="P4"), by=commander)
        clock.move_to(T0 + timedelta(days=60))
        assert not incident.resolve_breached
        assert not breached_in_db(incident)
