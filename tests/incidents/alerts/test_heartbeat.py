"""A silent monitoring stack is an incident: heartbeat lost, and regained."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from incidents.alerts import services
from incidents.models import Incident, IncidentStatus
from incidents.timers import engine as timers
from tests.incidents.alerts.conftest import T0, am_payload, raw

pytestmark = pytest.mark.django_db


def test_no_payload_for_the_interval_declares_silence_and_a_payload_resolves_it(integration):
    with time_machine.travel(T0, tick=False) as clock:
        integration.heartbeat_minutes = 10
        services.integration_save(integration)
        services.receive(integration, endpoint="alertmanager", raw=raw(am_payload("Watchdog")))
        clock.shift(timedelta(minutes=9))
        services.receive(integration, endpoint="alertmanager", raw=raw(am_payload("Watchdog")))
        clock.shift(timedelta(minutes=9))
        timers.tick()
        assert not Incident.objects.exists()  # each payload pushed the deadline back

        clock.shift(timedelta(minutes=2))
        timers.tick()
        silent = Incident.objects.get()
        assert silent.title == "Monitoring is silent: Prometheus"
        assert silent.severity == integration.default_severity
        clock.shift(timedelta(minutes=30))
        timers.tick()
        assert Incident.objects.count() == 1  # one silence, one incident

        services.receive(integration, endpoint="alertmanager", raw=raw(am_payload("Watchdog")))
        silent.refresh_from_db()
        assert silent.status == IncidentStatus.RESOLVED

        clock.shift(timedelta(minutes=11))  # silent again: a new incident
        timers.tick()
        assert Incident.objects.filter(status=IncidentStatus.INVESTIGATING).count() == 1
        assert Incident.objects.count() == 2


def test_an_integration_that_never_sent_anything_is_silent_too(integration):
    with time_machine.travel(T0, tick=False) as clock:
        integration.heartbeat_minutes = 5
        services.integration_save(integration)
        clock.shift(timedelta(minutes=6))
        timers.tick()
    assert Incident.objects.get().title == "Monitoring is silent: Prometheus"


def test_without_a_heartbeat_nothing_is_expected(integration):
    with time_machine.travel(T0, tick=False) as clock:
        services.receive(integration, endpoint="alertmanager", raw=raw(am_payload("Watchdog")))
        clock.shift(timedelta(days=2))
        timers.tick()
    assert not Incident.objects.exists()
