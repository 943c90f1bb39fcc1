"""/metrics parsed with prometheus_client's parser: the values move as an incident is declared, breaches
its response target (the clock moved, the tick run), is acknowledged and resolved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from incidents import services
from incidents.outbox.models import Notification, NotificationStatus
from incidents.timers import engine
from tests.factories import IncidentFactory
from tests.incidents.metrics.conftest import value

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
ACK_DEADLINE = "incident.acknowledge_deadline"


def test_values_move_with_declare_breach_acknowledge_resolve(
    severities, commander, scrape, django_capture_on_commit_callbacks
):
    commander.email = "casey@example.com"
    commander.save()
    with time_machine.travel(T0, tick=False) as clock:
        engine.tick()  # a fresh heartbeat
        before = scrape()
        assert value(before, "warroom_incidents_open", severity="P1", status="investigating") == 0
        assert value(before, "warroom_timer_heartbeat_age_seconds") == 0

        with django_capture_on_commit_callbacks(execute=True):
            incident = IncidentFactory.create(by=commander, level="P1")
        declared = scrape()
        assert value(declared, "warroom_incidents_open", severity="P1", status="investigating") == 1
        assert value(declared, "warroom_incidents_open", severity="P2", status="investigating") == 0
        assert (
            value(declared, "warroom_incidents_declared_total", severity="P1")
            == value(before, "warroom_incidents_declared_total", severity="P1") + 1
        )
        assert value(declared, "warroom_incidents_unacknowledged_past_target", severity="P1") == 0

        # One minute past P1's 15-minute response target, before any tick: due, not yet fired.
        clock.move_to(T0 + timedelta(minutes=16))
        waiting = scrape()
        assert value(waiting, "warroom_incidents_unacknowledged_past_target", severity="P1") == 1
        assert value(waiting, "warroom_timers_due") >= 2  # the acknowledge deadline and the 0- and 15-minute pages
        assert value(waiting, "warroom_timer_heartbeat_age_seconds") == 16 * 60

        with django_capture_on_commit_callbacks(execute=True):
            result = engine.tick()
        assert result.fired >= 1
        breached = scrape()
        assert (
            value(breached, "warroom_sla_breaches_total", deadline="acknowledge", severity="P1")
            == value(before, "warroom_sla_breaches_total", deadline="acknowledge", severity="P1") + 1
        )
        lateness_count = value(breached, "warroom_timer_lateness_seconds_count", kind=ACK_DEADLINE) - value(
            before, "warroom_timer_lateness_seconds_count", kind=ACK_DEADLINE
        )
        lateness_sum = value(breached, "warroom_timer_lateness_seconds_sum", kind=ACK_DEADLINE) - value(
            before, "warroom_timer_lateness_seconds_sum", kind=ACK_DEADLINE
        )
        assert (lateness_count, lateness_sum) == (1, 60.0)  # due at +15 min, fired at +16 min
        assert (
            value(breached, "warroom_timer_tick_duration_seconds_count")
            == value(waiting, "warroom_timer_tick_duration_seconds_count") + 1
        )
        assert value(breached, "warroom_timers_due") == 0
        assert value(breached, "warroom_timer_heartbeat_age_seconds") == 0
        # The deadline's email to the commander went through the outbox and was delivered (tasks run eagerly).
        emails = Notification.objects.filter(target__startswith="user:")
        assert emails.exists()
        queued = value(breached, "warroom_outbox_queued_total", channel="email") - value(
            before, "warroom_outbox_queued_total", channel="email"
        )
        delivered = value(breached, "warroom_outbox_delivered_total", channel="email") - value(
            before, "warroom_outbox_delivered_total", channel="email"
        )
        assert queued == emails.count()
        assert delivered == emails.filter(status=NotificationStatus.SENT).count() >= 1

        clock.move_to(T0 + timedelta(minutes=20))
        with django_capture_on_commit_callbacks(execute=True):
            incident = services.incident_acknowledge(incident, by=commander)
        acknowledged = scrape()
        assert value(acknowledged, "warroom_incidents_unacknowledged_past_target", severity="P1") == 0
        for suffix, change in (("_count", 1), ("_sum", 20 * 60)):
            name = "warroom_incident_time_to_acknowledge_seconds" + suffix
            assert value(acknowledged, name, severity="P1") == value(before, name, severity="P1") + change
        bucket = "warroom_incident_time_to_acknowledge_seconds_bucket"
        # 20 minutes: above the 15-minute bucket, inside the 30-minute one.
        assert value(acknowledged, bucket, severity="P1", le="900.0") == value(
            before, bucket, severity="P1", le="900.0"
        )
        assert (
            value(acknowledged, bucket, severity="P1", le="1800.0")
            == value(before, bucket, severity="P1", le="1800.0") + 1
        )

        clock.move_to(T0 + timedelta(minutes=50))
        with django_capture_on_commit_callbacks(execute=True):
            services.incident_resolve(incident, by=commander, note="Rolled back")
        resolved = scrape()
        assert value(resolved, "warroom_incidents_open", severity="P1", status="investigating") == 0
        for suffix, change in (("_count", 1), ("_sum", 50 * 60)):
            name = "warroom_incident_time_to_resolve_seconds" + suffix
            assert value(resolved, name, severity="P1") == value(before, name, severity="P1") + change


def test_a_deadline_met_meanwhile_is_not_a_breach(severities, commander, scrape, django_capture_on_commit_callbacks):
    with time_machine.travel(T0, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            incident = IncidentFactory.create(by=commander, level="P2")
        before = scrape()
        clock.move_to(T0 + timedelta(minutes=5))
        services.incident_acknowledge(incident, by=commander)
        # The acknowledge deadline's timer is cancelled by the acknowledgement: firing the clock later
        # must not count a breach.
        clock.move_to(T0 + timedelta(hours=2))
        with django_capture_on_commit_callbacks(execute=True):
            engine.tick()
        after = scrape()
        assert value(after, "warroom_sla_breaches_total", deadline="acknowledge", severity="P2") == value(
            before, "warroom_sla_breaches_total", deadline="acknowledge", severity="P2"
        )


def test_a_rolled_back_change_is_not_counted(severities, commander, scrape):
    before = scrape()
    # Without running the on-commit callbacks (the test's transaction never commits), nothing is counted.
    IncidentFactory.create(by=commander, level="P3")
    after = scrape()
    assert value(after, "warroom_incidents_declared_total", severity="P3") == value(
        before, "warroom_incidents_declared_total", severity="P3"
    )
    assert value(after, "warroom_incidents_open", severity="P3", status="investigating") == 1
