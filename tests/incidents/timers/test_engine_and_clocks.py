"""The runbook's clocks, with the clock moved by time-machine and the tick called directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group

from incidents import services
from incidents.models import Incident, TimelineKind
from incidents.outbox.models import Notification
from incidents.outbox.services import notifications_about
from incidents.paging import clocks as runbook
from incidents.paging.models import EscalationPolicy, Rotation, RotationMember
from incidents.paging.seed import ESCALATION_GROUPS, PRIMARY_ROTATION
from incidents.timeline import timeline_append
from incidents.timers import engine as timers
from incidents.timers.models import Timer
from tests.factories import IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture
def people(db):
    """Fills the default escalation path: an on-call engineer, a senior, a manager and the CTO."""
    oncall = UserFactory.create(username="oncall", email="oncall@example.com")
    RotationMember.objects.create(rotation=Rotation.objects.get(name=PRIMARY_ROTATION), user=oncall)
    named = {"oncall": oncall}
    for key, username in (("senior", "senior"), ("manager", "manager"), ("executive", "cto")):
        user = UserFactory.create(username=username, email=f"{username}@example.com")
        user.groups.add(Group.objects.get(name=ESCALATION_GROUPS[key]))
        named[key] = user
    return named


def pending(incident: Incident) -> set[tuple[str, str]]:
    return {
        (t.kind, t.step) for t in timers.timers_for(incident).filter(fired_at__isnull=True, cancelled_at__isnull=True)
    }


def fired(incident: Incident) -> list[tuple[str, str]]:
    return [
        (t.kind, t.step) for t in timers.timers_for(incident).filter(fired_at__isnull=False).order_by("fired_at", "id")
    ]


def paged(incident: Incident) -> list[str]:
    return sorted(n.target for n in notifications_about(incident).filter(dedupe_key__in=timer_keys(runbook.ESCALATION)))


def tick_at(moment: datetime) -> timers.TickResult:
    with time_machine.travel(moment, tick=False):
        return timers.tick()


def test_declare_plans_every_runbook_clock_from_the_start(severities, commander, people):
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory.create(by=commander, level="P1")
    due = {(t.kind, t.step): t.due_at - T0 for t in timers.timers_for(incident)}
    assert due == {
        (runbook.ACKNOWLEDGE_DEADLINE, ""): timedelta(minutes=15),
        (runbook.RESOLUTION_DEADLINE, ""): timedelta(hours=2),
        (runbook.STAKEHOLDER_DEADLINE, ""): timedelta(minutes=15),
        (runbook.ESCALATION, "tier:on-call engineer"): timedelta(0),
        (runbook.ESCALATION, "tier:senior engineer"): timedelta(minutes=15),
        (runbook.ESCALATION, "tier:engineering manager"): timedelta(minutes=30),
        (runbook.ESCALATION, "tier:vp engineering / cto"): timedelta(minutes=60),
        (runbook.UPDATE_REMINDER, "declared:1"): timedelta(minutes=30),
    }


def test_escalation_steps_fire_on_time_once_each(severities, commander, people):
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory.create(by=commander, level="P1")
    tick_at(T0 + timedelta(seconds=1))
    assert paged(incident) == [f"user:{people['oncall'].pk}"]
    tick_at(T0 + timedelta(minutes=14, seconds=59))
    assert len(paged(incident)) == 1
    tick_at(T0 + timedelta(minutes=15))
    tick_at(T0 + timedelta(minutes=15, seconds=15))  # a second tick repeats nothing
    assert paged(incident) == sorted([f"user:{people['oncall'].pk}", f"user:{people['senior'].pk}"])
    entries = incident.timeline.filter(kind=TimelineKind.ESCALATION).order_by("at")
    assert [e.data["tier"] for e in entries] == ["On-call Engineer", "Senior Engineer"]
    assert people["oncall"].get_full_name() in entries[0].text


def test_acknowledge_stops_the_acknowledge_clock_and_escalation_but_not_resolution(severities, commander, people):
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory.create(by=commander, level="P1")
    tick_at(T0)
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        services.incident_acknowledge(incident, by=commander)
    assert pending(incident) == {
        (runbook.RESOLUTION_DEADLINE, ""),
        (runbook.STAKEHOLDER_DEADLINE, ""),
        (runbook.ESCALATION, "tier:vp engineering / cto"),  # stops on resolve only
        (runbook.UPDATE_REMINDER, "declared:1"),
    }
    tick_at(T0 + timedelta(minutes=59))
    assert paged(incident) == [f"user:{people['oncall'].pk}"]
    assert not incident.timeline.filter(kind=TimelineKind.TIMER, text__startswith="Acknowledge deadline").exists()
    tick_at(T0 + timedelta(hours=2))
    assert paged(incident) == sorted([f"user:{people['oncall'].pk}", f"user:{people['executive'].pk}"])
    assert incident.timeline.filter(kind=TimelineKind.TIMER, text__startswith="Resolution deadline passed").exists()


def test_acknowledge_deadline_fires_when_unacknowledged(severities, commander, people):
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory.create(by=commander, level="P2")
    tick_at(T0 + timedelta(minutes=59))
    assert not incident.timeline.filter(text__startswith="Acknowledge deadline").exists()
    tick_at(T0 + timedelta(hours=1))
    entry = incident.timeline.get(text__startswith="Acknowledge deadline")
    assert entry.kind == TimelineKind.TIMER
    note = Notification.objects.get(dedupe_key__in=timer_keys(runbook.ACKNOWLEDGE_DEADLINE))
    assert note.user == commander
    assert incident.reference in note.subject


def test_resolving_cancels_every_pending_clock(severities, commander, people):
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory.create(by=commander, level="P1")
        services.incident_resolve(incident, by=commander)
    assert pending(incident) == set()
    result = tick_at(T0 + timedelta(hours=5))
    assert result.fired == 0
    assert Notification.objects.count() == 0


def test_upgrade_plans_the_new_steps_from_the_original_start_and_fires_past_ones_once(severities, commander, people):
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory.create(by=commander, level="P3")
    tick_at(T0)
    assert paged(incident) == [f"user:{people['oncall'].pk}"]
    with time_machine.travel(T0 + timedelta(minutes=40), tick=False):
        services.incident_change_severity(incident, severity=severities["P1"], by=commander)
    due = {t.step: t.due_at for t in timers.timers_for(incident).filter(kind=runbook.ESCALATION)}
    assert due["tier:senior engineer"] == T0 + timedelta(minutes=15)
    assert due["tier:vp engineering / cto"] == T0 + timedelta(minutes=60)
    tick_at(T0 + timedelta(minutes=40, seconds=15))
    tick_at(T0 + timedelta(minutes=40, seconds=30))
    # On-call was already paged under P3 (same tier): not again. Senior and manager are past: now, once.
    assert paged(incident) == sorted(
        [f"user:{people['oncall'].pk}", f"user:{people['senior'].pk}", f"user:{people['manager'].pk}"]
    )
    # P1's acknowledge (15 min) and stakeholder (15 min) deadlines were past too: fired at once.
    assert {runbook.ACKNOWLEDGE_DEADLINE, runbook.STAKEHOLDER_DEADLINE} <= {kind for kind, _ in fired(incident)}
    tick_at(T0 + timedelta(minutes=60))
    assert f"user:{people['executive'].pk}" in paged(incident)


def test_downgrade_cancels_the_steps_the_new_severity_does_not_have(severities, commander, people):
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory.create(by=commander, level="P1")
    tick_at(T0)
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        services.incident_change_severity(incident, severity=severities["P3"], by=commander)
    assert {step for kind, step in pending(incident) if kind == runbook.ESCALATION} == set()
    tick_at(T0 + timedelta(hours=2))
    assert paged(incident) == [f"user:{people['oncall'].pk}"]


def test_declared_with_a_past_start_fires_past_steps_at_once_once(severities, commander, people):
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory.create(by=commander, level="P1", started_at=T0 - timedelta(minutes=35))
    first = tick_at(T0 + timedelta(seconds=5))
    second = tick_at(T0 + timedelta(seconds=20))
    assert len(paged(incident)) == 3  # on-call, senior, manager; the CTO is due at +60
    assert first.fired >= 5  # 3 steps + acknowledge + stakeholder deadlines
    assert second.fired == 0


def test_update_reminder_repeats_while_overdue_and_resets_on_a_public_update(severities, commander, people):
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory.create(by=commander, level="P1")
        services.incident_acknowledge(incident, by=commander)
    tick_at(T0 + timedelta(minutes=30))
    assert incident.timeline.filter(text__startswith="Update reminder").count() == 1
    tick_at(T0 + timedelta(minutes=45))
    assert incident.timeline.filter(text__startswith="Update reminder").count() == 1
    tick_at(T0 + timedelta(minutes=60))  # still no update: reminded again
    assert incident.timeline.filter(text__startswith="Update reminder").count() == 2

    with time_machine.travel(T0 + timedelta(minutes=70), tick=False):
        update = timeline_append(incident, kind=TimelineKind.STATUS_UPDATE, text="We have found the cause.")
        runbook.plan_incident_timers(incident)
    reminders = timers.timers_for(incident).filter(kind=runbook.UPDATE_REMINDER)
    assert reminders.get(fired_at__isnull=True, cancelled_at__isnull=True).due_at == T0 + timedelta(minutes=100)
    assert reminders.filter(step="declared:3", cancelled_at__isnull=False).exists()
    tick_at(T0 + timedelta(minutes=90))  # the old cadence would have reminded here
    assert incident.timeline.filter(text__startswith="Update reminder").count() == 2
    tick_at(T0 + timedelta(minutes=100))
    last = incident.timeline.filter(text__startswith="Update reminder").order_by("-at").first()
    assert last is not None
    assert last.data["timer"] == reminders.get(step=f"update-{update.pk}:1").pk


def test_update_reminders_skip_ahead_after_an_outage(severities, commander, people):
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory.create(by=commander, level="P1")
    tick_at(T0 + timedelta(hours=3, minutes=10))  # beat was down for hours: one reminder, not six
    assert incident.timeline.filter(text__startswith="Update reminder").count() == 1
    upcoming = timers.timers_for(incident).get(kind=runbook.UPDATE_REMINDER, fired_at__isnull=True)
    assert upcoming.due_at == T0 + timedelta(hours=3, minutes=30)


def test_stakeholder_deadline_is_met_by_ticking_the_checklist(severities, commander, people):
    with time_machine.travel(T0, tick=False):
        met = IncidentFactory.create(by=commander, level="P1")
        missed = IncidentFactory.create(by=commander, level="P1")
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        item = met.checklist.get(label__startswith="Notify stakeholders")
        services.checklist_item_tick(item, by=commander)
    tick_at(T0 + timedelta(minutes=15))
    assert not met.timeline.filter(text__startswith="Stakeholder deadline").exists()
    assert timers.timers_for(met).get(kind=runbook.STAKEHOLDER_DEADLINE).outcome.startswith("skipped")
    assert missed.timeline.filter(text__startswith="Stakeholder deadline").exists()


def test_p4_has_no_update_or_stakeholder_clock(severities, commander):
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory.create(by=commander, level="P4")
    kinds = {t.kind for t in timers.timers_for(incident)}
    assert kinds == {runbook.ACKNOWLEDGE_DEADLINE, runbook.ESCALATION}


def test_escalation_with_nobody_to_page_is_logged(severities, commander):
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory.create(by=commander, level="P3")
    tick_at(T0)
    entry = incident.timeline.get(kind=TimelineKind.ESCALATION)
    assert "nobody to page" in entry.text
    assert Notification.objects.count() == 0


def test_schedule_is_an_idempotent_upsert_and_never_rearms_a_fired_timer(severities, commander):
    timers.register_kind("test.ping", lambda timer, subject: "pinged", label="Ping")
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory.create(by=commander, level="P4")
        first = timers.schedule(subject=incident, kind="test.ping", step="a", due_at=T0 + timedelta(minutes=5))
        again = timers.schedule(subject=incident, kind="test.ping", step="a", due_at=T0 + timedelta(minutes=1))
    assert first.pk == again.pk
    assert Timer.objects.get(pk=first.pk).due_at == T0 + timedelta(minutes=1)
    assert timers.cancel(incident, ["test.ping"]) == 1
    timers.schedule(subject=incident, kind="test.ping", step="a", due_at=T0 + timedelta(minutes=2))
    tick_at(T0 + timedelta(minutes=2))
    fired_timer = Timer.objects.get(pk=first.pk)
    assert fired_timer.outcome == "pinged"
    timers.schedule(subject=incident, kind="test.ping", step="a", due_at=T0 + timedelta(minutes=9))
    assert Timer.objects.get(pk=first.pk).fired_at == fired_timer.fired_at
    assert Timer.objects.get(pk=first.pk).due_at == T0 + timedelta(minutes=2)
    with pytest.raises(ValueError, match="Unknown timer kind"):
        timers.schedule(subject=incident, kind="test.unknown", due_at=T0)


def test_other_apps_kinds_on_any_subject_and_a_failing_handler_does_not_block_others(severities, commander):
    calls: list[str] = []

    def broken(timer, subject):
        raise RuntimeError("handler bug")

    timers.register_kind("test.broken", broken)

    def record(timer, subject):
        calls.append(subject.name)
        return "ok"

    timers.register_kind("test.policy", record)
    policy = EscalationPolicy.objects.get(severity=severities["P1"])
    timers.schedule(subject=policy, kind="test.broken", due_at=T0)
    timers.schedule(subject=policy, kind="test.policy", due_at=T0 + timedelta(seconds=1))
    result = tick_at(T0 + timedelta(minutes=1))
    assert (result.errors, result.fired) == (1, 1)
    assert calls == [policy.name]
    broken_timer = Timer.objects.get(kind="test.broken")
    assert broken_timer.fired_at is None
    assert broken_timer.failures == 1
    assert "handler bug" in broken_timer.last_error


def test_concurrent_claims_fire_once(severities, commander):
    """Two ticks racing for the same timer: the conditional UPDATE lets only one act."""
    from incidents.timers import engine

    calls: list[int] = []

    def count(timer, subject):
        calls.append(timer.pk)
        return "counted"

    timers.register_kind("test.count", count)
    with time_machine.travel(T0, tick=False):
        incident = IncidentFactory.create(by=commander, level="P4")
        timer = timers.schedule(subject=incident, kind="test.count", due_at=T0)
        args = (timer.pk, timer.subject_type_id, timer.subject_id, timer.kind)
        assert engine._fire(*args) is True
        assert engine._fire(*args) is False  # the second claimant finds fired_at set
    assert calls == [timer.pk]


def test_heartbeat_goes_stale_after_three_intervals(settings, db):
    settings.TIMER_TICK_SECONDS = 15
    assert timers.heartbeat().stale  # never ticked
    tick_at(T0)
    with time_machine.travel(T0 + timedelta(seconds=44), tick=False):
        assert not timers.heartbeat().stale
    with time_machine.travel(T0 + timedelta(seconds=46), tick=False):
        assert timers.heartbeat().stale


def timer_keys(kind: str) -> list[str]:
    """The outbox dedupe keys of the timers of a kind: what they sent."""
    return [timer.notification_key for timer in Timer.objects.filter(kind=kind)]
