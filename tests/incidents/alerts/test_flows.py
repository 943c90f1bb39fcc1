"""From alert to incident: declare, attach, repeat, resolve, reopen within the dedupe window, a new
incident after it, closed never reopened, the storm ceiling. The clock is moved with time-machine."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from incidents.alerts import services
from incidents.alerts.models import Alert, AlertGroup, Outcome, Payload
from incidents.models import Incident, IncidentStatus, TimelineEntry
from incidents.outbox.models import Notification
from incidents.outbox.services import notifications_about
from incidents.services.lifecycle import incident_close, incident_resolve
from incidents.timers import engine as timers
from tests.incidents.alerts.conftest import T0, am_payload, fixture, raw

pytestmark = pytest.mark.django_db


def send(integration, body, endpoint="alertmanager"):
    received = services.receive(integration, endpoint=endpoint, raw=raw(body))
    assert not received.errors, received.errors
    return received.payload


def test_a_firing_group_declares_one_incident_with_clocks_at_starts_at(integration, on_call):
    with time_machine.travel(T0, tick=False):
        payload = send(integration, fixture("alertmanager_firing.json"))
        incident = Incident.objects.get()
        assert payload.outcome == Outcome.DECLARED
        assert list(payload.incidents.all()) == [incident]
        assert incident.title == "Checkout is failing requests"
        assert incident.severity.level == "P1"  # severity=critical
        assert [c.name for c in incident.components.all()] == ["Checkout"]  # service=checkout
        # Clocks start when the first alert started firing, not at receipt.
        assert incident.started_at.isoformat() == "2026-03-02T09:58:12.345678+00:00"
        assert incident.acknowledge_due_at == incident.started_at + incident.severity.response_target
        assert Alert.objects.filter(group__incident=incident).count() == 2
        # Paging does its job: the on-call engineer is paged by the escalation's first tier.
        timers.tick()
        assert Notification.objects.filter(user=on_call).exists()


def test_unknown_labels_choose_the_default_severity(integration):
    with time_machine.travel(T0, tick=False):
        send(integration, am_payload("DiskFull", team="storage", whatever="x"))
    assert Incident.objects.get().severity.level == "P3"


def test_later_alerts_attach_and_repeats_add_nothing(integration):
    with time_machine.travel(T0, tick=False):
        send(integration, am_payload("Latency", alerts=1))
        incident = Incident.objects.get()
        entries = TimelineEntry.objects.filter(incident=incident).count()

        attached = send(integration, am_payload("Latency", alerts=3))
        assert attached.outcome == Outcome.ATTACHED
        assert Incident.objects.count() == 1
        assert Alert.objects.filter(group__incident=incident).count() == 3
        assert TimelineEntry.objects.filter(incident=incident).count() == entries + 1

        repeat = send(integration, am_payload("Latency", alerts=3))
        assert repeat.outcome == Outcome.IGNORED
        assert TimelineEntry.objects.filter(incident=incident).count() == entries + 1
        assert Payload.objects.count() == 3  # every payload is audited, even the repeat


def test_the_same_payload_twice_changes_nothing_the_second_time(integration):
    body = fixture("alertmanager_firing.json")
    with time_machine.travel(T0, tick=False):
        send(integration, body)
        before = (Incident.objects.count(), TimelineEntry.objects.count(), Alert.objects.count())
        second = send(integration, body)
    assert second.outcome == Outcome.IGNORED
    assert (Incident.objects.count(), TimelineEntry.objects.count(), Alert.objects.count()) == before


def test_all_alerts_resolved_moves_the_incident_to_monitoring(integration):
    with time_machine.travel(T0, tick=False):
        send(integration, fixture("alertmanager_firing.json"))
        incident = Incident.objects.get()
        partly = fixture("alertmanager_resolved.json")
        partly["alerts"] = partly["alerts"][:1]
        assert send(integration, partly).outcome == Outcome.ATTACHED
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.INVESTIGATING  # one alert still fires
        done = send(integration, fixture("alertmanager_resolved.json"))
    assert done.outcome == Outcome.RESOLVED
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.MONITORING
    assert incident.timeline.filter(text__contains="All alerts resolved").exists()


def test_the_integration_can_resolve_instead(integration):
    integration.on_resolved = "resolve"
    integration.save()
    with time_machine.travel(T0, tick=False):
        send(integration, am_payload("Latency"))
        send(integration, am_payload("Latency", status="resolved"))
    assert Incident.objects.get().status == IncidentStatus.RESOLVED


def test_firing_again_within_the_window_reopens_after_it_declares_anew(integration):
    with time_machine.travel(T0, tick=False) as clock:
        send(integration, am_payload("Latency"))
        send(integration, am_payload("Latency", status="resolved"))
        first = Incident.objects.get()
        clock.shift(timedelta(minutes=30))  # within the default one-hour window
        reopened = send(integration, am_payload("Latency", at=T0 + timedelta(minutes=30)))
        assert reopened.outcome == Outcome.ATTACHED
        assert "reopened" in reopened.detail
        first.refresh_from_db()
        assert first.status == IncidentStatus.INVESTIGATING
        assert Incident.objects.count() == 1

        send(integration, am_payload("Latency", status="resolved", at=T0 + timedelta(minutes=31)))
        clock.shift(timedelta(hours=2))  # past the window
        later = send(integration, am_payload("Latency", at=T0 + timedelta(hours=3)))
    assert later.outcome == Outcome.DECLARED
    assert Incident.objects.count() == 2
    first.refresh_from_db()
    assert first.status == IncidentStatus.MONITORING


def test_an_incident_resolved_by_a_person_reopens_within_the_window(integration, commander):
    with time_machine.travel(T0, tick=False) as clock:
        send(integration, am_payload("Latency"))
        incident = Incident.objects.get()
        incident_resolve(incident, by=commander)
        clock.shift(timedelta(minutes=5))
        send(integration, am_payload("Latency", alerts=2))
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.INVESTIGATING


def test_a_closed_incident_is_never_reopened(integration, commander):
    with time_machine.travel(T0, tick=False) as clock:
        send(integration, am_payload("Latency"))
        send(integration, am_payload("Latency", status="resolved"))
        incident = Incident.objects.get()
        incident_resolve(incident, by=commander)
        incident_close(incident, by=commander)
        clock.shift(timedelta(minutes=5))  # well within the window
        payload = send(integration, am_payload("Latency", at=T0 + timedelta(minutes=5)))
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED
    assert payload.outcome == Outcome.DECLARED
    assert Incident.objects.count() == 2


def test_a_resolved_alert_for_an_unknown_group_is_ignored(integration):
    with time_machine.travel(T0, tick=False):
        payload = send(integration, am_payload("Latency", status="resolved"))
    assert payload.outcome == Outcome.IGNORED
    assert not Incident.objects.exists()


def test_a_burst_of_1000_alerts_in_10_groups_makes_10_incidents(integration):
    with time_machine.travel(T0, tick=False) as clock:
        for second in range(0, 60, 6):  # ten payloads per group within the minute
            for group in range(10):
                body = am_payload(f"Group{group}", alerts=10, at=T0 + timedelta(seconds=second))
                for alert in body["alerts"]:
                    alert["fingerprint"] += f"-{second}"
                send(integration, body)
            clock.shift(timedelta(seconds=6))
    assert Alert.objects.count() == 1000
    assert Incident.objects.count() == 10


def test_past_the_hourly_ceiling_groups_attach_to_one_storm_incident(integration, commander):
    integration.max_incidents_per_hour = 3
    integration.save()
    with time_machine.travel(T0, tick=False) as clock:
        for group in range(3):
            send(integration, am_payload(f"Group{group}"))
        storm_payload = send(integration, am_payload("Group3"))
        storm = Incident.objects.get(title="Alert storm: Prometheus")
        assert storm_payload.outcome == Outcome.ATTACHED
        storm.commander = commander
        storm.save()
        send(integration, am_payload("Group4"))
        assert Incident.objects.count() == 4  # three groups and the storm
        # The commander of the storm is told of each group that joins it.
        told = notifications_about(storm).filter(user=commander, subject__contains="storm ceiling reached")
        assert told.count() == 1
        assert AlertGroup.objects.filter(incident=storm).count() == 2
        clock.shift(timedelta(hours=1, minutes=1))  # the ceiling counts the last hour only
        assert send(integration, am_payload("Group5")).outcome == Outcome.DECLARED


def test_grafana_and_generic_shapes_declare_too(integration):
    with time_machine.travel(T0, tick=False):
        grafana = send(integration, fixture("grafana_firing.json"), endpoint="grafana")
        generic = send(integration, fixture("generic_firing.json"), endpoint="generic")
    assert grafana.outcome == generic.outcome == Outcome.DECLARED
    titles = set(Incident.objects.values_list("title", flat=True))
    assert titles == {"Database disk almost full in eu-1", "Nightly backup did not finish"}
    backup = Incident.objects.get(title="Nightly backup did not finish")
    assert backup.severity.level == "P3"  # severity=warning
    alert = Alert.objects.get(group__incident=backup)
    assert alert.generator_url == "https://ci.example.org/jobs/backup/1234"
    assert alert.annotations["job"] == "pg_dump"


def test_a_generic_alert_fires_resolves_and_fires_again_with_the_same_body(integration):
    body = fixture("generic_firing.json")
    with time_machine.travel(T0, tick=False) as clock:
        send(integration, body, endpoint="generic")
        send(integration, {**body, "status": "resolved"}, endpoint="generic")
        clock.shift(timedelta(minutes=10))
        again = send(integration, body, endpoint="generic")
    assert again.outcome == Outcome.ATTACHED
    assert Incident.objects.get().status == IncidentStatus.INVESTIGATING


def test_the_watchdog_alert_is_a_heartbeat_not_an_incident(integration):
    with time_machine.travel(T0, tick=False):
        payload = send(integration, am_payload("Watchdog"))
    assert payload.outcome == Outcome.IGNORED
    assert payload.detail == "ignored: heartbeat"
    assert not Incident.objects.exists()


def test_replay_applies_a_stored_payload_again(integration):
    with time_machine.travel(T0, tick=False):
        first = send(integration, am_payload("Latency"))
        Incident.objects.all().delete()
        replayed = services.replay(first)
    assert replayed.payload.outcome == Outcome.DECLARED
    assert Incident.objects.count() == 1


def test_payloads_are_kept_for_the_retention_days(integration, settings):
    settings.ALERT_PAYLOAD_RETENTION_DAYS = 7
    with time_machine.travel(T0, tick=False) as clock:
        send(integration, am_payload("Old"))
        clock.shift(timedelta(days=6))
        send(integration, am_payload("Recent"))
        clock.shift(timedelta(days=2))
        assert services.purge_payloads() == 1
    assert Payload.objects.get().received_at == T0 + timedelta(days=6)
