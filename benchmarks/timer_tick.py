"""One tick with 50 due timers among 10,000 open incidents vs among 100: same query count, time ratio.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/warroom .venv/bin/python benchmarks/timer_tick.py

Each due timer is an escalation step paging one user: the tick claims it, writes the timeline entry
and the notification outbox row (delivery tasks are not sent: this measures the tick itself).
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import timedelta

from _django import make_open_incidents, setup_database

DUE = 50
REPEATS = 9


def measure(open_count: int, prefix: str) -> tuple[int, float]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from incidents.models import Incident, TimelineEntry
    from incidents.outbox.models import Notification
    from incidents.paging import clocks
    from incidents.paging.models import EscalationPolicy, EscalationStep
    from incidents.timers import engine as timers
    from incidents.timers.models import Timer

    Incident.objects.all().delete()
    Timer.objects.all().delete()
    incidents = make_open_incidents(open_count, prefix=prefix)
    user, _ = get_user_model().objects.get_or_create(username="bench-oncall", defaults={"email": "oncall@example.com"})
    policy = EscalationPolicy.objects.get(severity=incidents[0].severity)
    step, _ = EscalationStep.objects.get_or_create(policy=policy, tier="Bench", defaults={"offset": timedelta(0)})
    step.users.set([user])
    past = timezone.now() - timedelta(seconds=1)
    due = [
        timers.schedule(subject=incident, kind=clocks.ESCALATION, step=step.key, due_at=past, data={"step_id": step.pk})
        for incident in incidents[:DUE]
    ]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would after a bulk load
    times, queries = [], []
    for _ in range(REPEATS + 1):  # the first tick warms caches (content types, heartbeat row)
        Timer.objects.filter(pk__in=[t.pk for t in due]).update(fired_at=None, outcome="")
        Notification.objects.all().delete()
        TimelineEntry.objects.filter(kind="escalation").delete()
        connection.queries_log.clear()  # a full log (maxlen 9000) would hide the count
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = timers.tick()
            times.append(time.perf_counter() - started)
        assert result.fired == DUE, result
        assert Notification.objects.count() == DUE
        queries.append(len(captured.captured_queries))
    queries, times = queries[1:], times[1:]
    if os.environ.get("BENCH_SHOW_SLOWEST"):
        slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:5]
        for query in slowest:
            print(query["time"], query["sql"][:200])
    assert len(set(queries)) == 1, queries
    return queries[0], statistics.median(times)


def main() -> None:
    _, drop = setup_database()
    try:
        import incidents.outbox.services as notify

        notify.queue_delivery = lambda notification_id: None  # measure the tick, not the delivery
        from django.db import connection

        small_queries, small_time = measure(100, "S")
        large_queries, large_time = measure(10_000, "L")
        print(f"database: {connection.vendor}; {DUE} due timers; median of {REPEATS} ticks")
        print(f"among    100 open incidents: {small_queries} queries, {small_time * 1000:.1f} ms")
        print(f"among 10,000 open incidents: {large_queries} queries, {large_time * 1000:.1f} ms")
        print(
            f"queries {small_queries} vs {large_queries} (same: {small_queries == large_queries}); "
            f"time ratio 10,000/100 = {large_time / small_time:.2f}"
        )
    finally:
        drop()


if __name__ == "__main__":
    main()
