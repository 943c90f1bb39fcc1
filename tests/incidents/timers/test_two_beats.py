"""Two beats running at once fire each timer exactly once, so beat needs no leader election
(docs/deploy.md, "Beat"). 200 due escalation timers on PostgreSQL, the effects counted: the timer's
`fired_at`, the incident's timeline entry, the outbox row and what the receiver got.

- Two ticks racing in threads, each forced to finish its scan of the due timers before either fires
  one: both see all 200, so every timer is contended, and together they fire 200 and skip 200.
- Two real `celery beat` processes and one worker pool (Redis broker), the tick every second: the
  ticks of both beats overlap in the pool and still every timer fires once and pages once.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from incidents import services
from incidents.models import Incident, SeverityPolicy, TimelineKind
from incidents.outbox.models import Notification, NotificationStatus
from incidents.paging import clocks
from incidents.paging.models import EscalationPolicy
from incidents.timers import engine
from incidents.timers.models import Timer
from tests.conftest import is_postgres, need_service
from tests.factories import UserFactory
from tests.incidents.timers.test_integration import Stack, references_by_path, scaled_policy, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

DUE_TIMERS = 200
TICK_RESULT = re.compile(r"Task timers\.tick\[[^\]]+\] succeeded in [0-9.]+s: \{'fired': (\d+), 'errors': (\d+)\}")


def declare_with_due_escalations(severity: SeverityPolicy, count: int) -> list[Incident]:
    """`count` incidents started a minute ago whose first escalation step (at +0) is due now."""
    user = UserFactory.create(username="declarer")
    started = timezone.now() - timedelta(minutes=1)
    incidents = [
        services.incident_declare(title=f"Race {n}", severity=severity, by=user, started_at=started)
        for n in range(count)
    ]
    due = Timer.objects.filter(fired_at=None, cancelled_at=None, due_at__lte=timezone.now())
    assert due.filter(kind=clocks.ESCALATION).count() == due.count() == count  # nothing else is due
    return incidents


def assert_each_fired_once(incidents: list[Incident]) -> None:
    timers = Timer.objects.filter(kind=clocks.ESCALATION)
    assert timers.count() == len(incidents)
    assert not timers.filter(fired_at=None).exists()
    assert not timers.exclude(failures=0).exists()
    # A timer fired twice would have written its timeline entry twice (the outbox would dedupe the page).
    entries = Counter(
        Incident.objects.filter(timeline__kind=TimelineKind.ESCALATION).values_list("reference", flat=True)
    )
    assert entries == Counter({incident.reference: 1 for incident in incidents})
    assert Notification.objects.count() == len(incidents)


def test_two_ticks_racing_over_the_same_200_timers_fire_each_once(monkeypatch):
    need_service(is_postgres(), "needs PostgreSQL (DATABASE_URL): SQLite runs one writer at a time")
    oncall = UserFactory.create(username="oncall", email="oncall@example.com")
    severity = scaled_policy("P3", [(0, "First", [])])
    EscalationPolicy.objects.get(severity=severity).steps.get().users.add(oncall)
    incidents = declare_with_due_escalations(severity, DUE_TIMERS)

    # Each tick scans the due timers first; neither may fire one before both have scanned.
    both_scanned = threading.Barrier(2, timeout=60)
    real_fire = engine._fire
    scanned = threading.local()

    def fire_once_both_scanned(*args):
        if not getattr(scanned, "done", False):
            scanned.done = True
            both_scanned.wait()
        return real_fire(*args)

    monkeypatch.setattr(engine, "_fire", fire_once_both_scanned)
    results: list[engine.TickResult] = []
    failures: list[BaseException] = []

    def beat_tick() -> None:
        try:
            results.append(engine.tick())
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat_tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, failures
    assert len(results) == 2
    for result in results:  # each tick went through every one of the 200 timers ...
        assert result.fired + result.skipped == DUE_TIMERS
        assert result.errors == 0
    # ... and between them fired each once: what one fired the other found claimed.
    assert sum(result.fired for result in results) == DUE_TIMERS
    assert sum(result.skipped for result in results) == DUE_TIMERS
    assert_each_fired_once(incidents)
    assert Counter(message.subject.split(")")[0] for message in mail.outbox) == Counter(
        {f"[INCIDENT] P3 - {incident.title} ({incident.reference}": 1 for incident in incidents}
    )


@pytest.mark.integration
def test_two_beats_and_one_worker_pool_fire_each_of_200_timers_once(stack: Stack, receiver):
    severity = scaled_policy("P3", [(0, "First", [receiver.url("page")])])
    incidents = declare_with_due_escalations(severity, DUE_TIMERS)
    # The tick results are read from the pool's log: its INFO lines (the settings' LOGGING governs them).
    stack.env = {**stack.env, "LOG_LEVEL": "INFO"}
    stack._start(
        "pool",
        ["worker", "-n", "pool@%h", "-c", "4", "--loglevel=INFO", "--without-gossip", "--without-mingle"],
    )
    for name in ("beat-a", "beat-b"):
        stack._start(name, ["beat", "-s", str(stack.workdir / f"{name}-schedule"), "--loglevel=INFO"])
    wait_for(
        lambda: Notification.objects.filter(status=NotificationStatus.SENT).count() == DUE_TIMERS,
        timeout=120,
        what=f"{DUE_TIMERS} pages sent",
    )
    ticks_so_far = len(tick_results(stack))
    wait_for(lambda: len(tick_results(stack)) >= ticks_so_far + 4, timeout=30, what="more ticks after the last page")
    stack.kill_all()

    assert_each_fired_once(incidents)
    pages = references_by_path(receiver)["page"]
    assert pages == Counter({incident.reference: 1 for incident in incidents})
    for beat in ("beat-a", "beat-b"):  # both beats were sending the tick
        assert "Sending due task timer-tick (timers.tick)" in (stack.workdir / f"{beat}.log").read_text(), beat
    fired = [count for count, errors in tick_results(stack) if not errors]
    assert len(fired) == len(tick_results(stack)), "a tick failed"
    assert sum(fired) == DUE_TIMERS  # every firing accounted for, none twice
    # All 200 were due before either beat started, so every tick's scan listed all those still unfired;
    # a second tick firing some means it ran while the first was still working through its list.
    assert sum(1 for count in fired if count) >= 2, f"the ticks did not overlap, nothing was raced: {fired}"


def tick_results(stack: Stack) -> list[tuple[int, int]]:
    log = (stack.workdir / "pool.log").read_text()
    return [(int(fired), int(errors)) for fired, errors in TICK_RESULT.findall(log)]
