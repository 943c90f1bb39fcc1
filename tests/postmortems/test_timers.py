"""The post-incident clocks, driven by moving the clock and calling the engine's tick."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from incidents import services as incident_services
from incidents.outbox.models import Notification
from incidents.timers import engine as timers
from postmortems import services
from postmortems import timers as pm_timers
from postmortems.models import ActionStatus, PostMortem
from tests.factories import ActionItemFactory, IncidentFactory, UserFactory, publish_postmortem

pytestmark = pytest.mark.django_db

RESOLVED_AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday


def notices(user) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("created_at", "id").values_list("subject", flat=True))


def resolve_p1_at(moment: datetime, commander):
    with time_machine.travel(moment - timedelta(minutes=30), tick=False):
        incident = IncidentFactory.create(by=commander, level="P1")
        incident_services.incident_acknowledge(incident, by=commander)
    with time_machine.travel(moment, tick=False):
        return incident_services.incident_resolve(incident, by=commander)


def tick_at(moment: datetime) -> timers.TickResult:
    with time_machine.travel(moment, tick=False):
        return timers.tick()


def test_postmortem_due_reminds_the_author_then_reports_overdue(commander, severities):
    incident = resolve_p1_at(RESOLVED_AT, commander)
    due = RESOLVED_AT + timedelta(hours=24)
    assert incident.postmortem.due_at == due

    tick_at(due - timedelta(hours=5))
    assert notices(commander) == []
    tick_at(due - timedelta(hours=4))
    assert notices(commander) == [f"Post-mortem of {incident.reference} due 2026-03-03 12:00 UTC"]
    tick_at(due - timedelta(minutes=1))
    assert len(notices(commander)) == 1
    tick_at(due)
    assert notices(commander)[-1] == f"Post-mortem of {incident.reference} is overdue"
    tick_at(due + timedelta(hours=1))
    assert len(notices(commander)) == 2  # once per step
    tick_at(due + timedelta(days=1))
    assert len(notices(commander)) == 3  # daily overdue notice while unpublished


def test_publishing_stops_the_postmortem_clock(commander, severities):
    incident = resolve_p1_at(RESOLVED_AT, commander)
    with time_machine.travel(RESOLVED_AT + timedelta(hours=2), tick=False):
        publish_postmortem(incident, by=commander)
    tick_at(RESOLVED_AT + timedelta(days=3))
    assert notices(commander) == []


def test_the_due_delay_is_configurable_per_severity(commander, severities):
    severities["P1"].postmortem_due_after = timedelta(hours=48)
    severities["P1"].save()
    incident = resolve_p1_at(RESOLVED_AT, commander)
    tick_at(RESOLVED_AT + timedelta(hours=24))
    assert notices(commander) == []
    tick_at(RESOLVED_AT + timedelta(hours=48))
    assert notices(commander)[-1] == f"Post-mortem of {incident.reference} is overdue"


def make_item(commander, owner, due: date, **kwargs):
    incident = resolve_p1_at(RESOLVED_AT, commander)
    with time_machine.travel(RESOLVED_AT + timedelta(hours=1), tick=False):
        return ActionItemFactory.create(
            postmortem=incident.postmortem, owner=owner, due_date=due, by=commander, **kwargs
        )


def test_action_item_reminder_before_due_and_overdue_notice_to_the_owner(commander, severities):
    owner = UserFactory.create(username="olive")
    item = make_item(commander, owner, date(2026, 3, 20))
    tick_at(datetime(2026, 3, 18, 8, 59, tzinfo=UTC))
    assert [s for s in notices(owner) if "digest" not in s and "Your open" not in s] == []
    tick_at(datetime(2026, 3, 18, 9, 0, tzinfo=UTC))  # two days before, at 09:00 UTC
    assert f"Action item due 2026-03-20: {item.action}" in notices(owner)
    tick_at(datetime(2026, 3, 20, 23, 59, tzinfo=UTC))
    assert f"Overdue action item: {item.action}" not in notices(owner)
    tick_at(datetime(2026, 3, 21, 0, 0, tzinfo=UTC))
    assert f"Overdue action item: {item.action}" in notices(owner)
    assert (
        Notification.objects.filter(user=owner, subject__startswith="Overdue").get().about == item.postmortem.incident
    )


def test_done_item_gets_no_notice_and_a_moved_due_date_replans(commander, severities):
    owner = UserFactory.create(username="olive")
    done = make_item(commander, owner, date(2026, 3, 10))
    with time_machine.travel(RESOLVED_AT + timedelta(hours=2), tick=False):
        moved = ActionItemFactory.create(postmortem=done.postmortem, owner=owner, due_date=date(2026, 3, 10))
        services.action_item_set_status(done, status=ActionStatus.DONE, by=owner)
        services.action_item_update(moved, by=owner, due_date=date(2026, 4, 10))
    tick_at(datetime(2026, 3, 12, tzinfo=UTC))
    assert not [s for s in notices(owner) if s.startswith(("Overdue", "Action item due"))]
    tick_at(datetime(2026, 4, 11, tzinfo=UTC))
    assert [s for s in notices(owner) if s.startswith("Overdue")] == [f"Overdue action item: {moved.action}"]


def test_weekly_digest_per_owner(commander, severities):
    owner = UserFactory.create(username="olive")
    other = UserFactory.create(username="otto")
    item = make_item(commander, owner, date(2026, 3, 4))
    with time_machine.travel(RESOLVED_AT + timedelta(hours=1), tick=False):
        ActionItemFactory.create(postmortem=item.postmortem, owner=owner, due_date=date(2026, 5, 1))
        ActionItemFactory.create(postmortem=item.postmortem, owner=other, due_date=date(2026, 5, 1))
    # The next Monday 08:00 UTC after the items were made.
    first = pm_timers.next_digest_at(RESOLVED_AT + timedelta(hours=1))
    assert first == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    tick_at(first)
    digests = Notification.objects.filter(subject__startswith="Your open action items")
    assert sorted(digests.values_list("user__username", "subject")) == [
        ("olive", "Your open action items: 2 open, 1 overdue"),
        ("otto", "Your open action items: 1 open, 0 overdue"),
    ]
    assert "OVERDUE" in digests.get(user=owner).body
    tick_at(first + timedelta(days=6))
    assert digests.count() == 2
    tick_at(first + timedelta(days=7))  # the digest planned its next week
    assert digests.count() == 4


def test_handlers_run_directly_report_their_outcome(commander, severities):
    incident = resolve_p1_at(RESOLVED_AT, commander)
    with time_machine.travel(RESOLVED_AT + timedelta(hours=1), tick=False):
        publish_postmortem(incident, by=commander)
    postmortem = PostMortem.objects.get(incident=incident)
    timer = timers.timers_for(postmortem).first()
    assert timer is not None
    assert timer.cancelled_at is not None  # publishing cancelled the pending clock
    assert pm_timers.handle_postmortem_due(timer, postmortem) == "published already"
