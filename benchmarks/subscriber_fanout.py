"""Telling status page subscribers: publishing returns at once, and the fan-out costs the same per
subscriber for 10,000 as for 100.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/warroom .venv/bin/python benchmarks/subscriber_fanout.py

On a throw-away test database: N active email subscribers (half of them to one component, half to all),
one public incident. Measures (1) the commander's publish with 10,000 subscribers (the fan-out is queued
to a worker on commit; Celery's in-memory broker here, so no worker runs it), and (2) the worker's
fan-out itself, writing one outbox row per subscriber and queueing its delivery, for 100 and for 10,000
subscribers. Prints the medians and the ratio of the per-subscriber costs.
"""

from __future__ import annotations

import statistics
import time

from _django import setup_database

REPEATS = {100: 5, 10_000: 1}


def prepare(count: int):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from incidents import services
    from incidents.models import Component, Incident, SeverityPolicy
    from incidents.outbox.models import Notification
    from incidents.statuspage.models import StatusUpdate, Subscriber, SubscriberKind, SubscriberState

    Notification.objects.all().delete()
    StatusUpdate.objects.all().delete()
    Incident.objects.all().delete()
    Subscriber.objects.all().delete()
    component, _ = Component.objects.get_or_create(name="API")
    now = timezone.now()
    subscribers = Subscriber.objects.bulk_create(
        Subscriber(
            kind=SubscriberKind.EMAIL,
            email=f"subscriber{n}@example.com",
            state=SubscriberState.ACTIVE,
            confirmed_at=now,
            key=f"key-{count}-{n}",
        )
        for n in range(count)
    )
    through = Subscriber.components.through
    through.objects.bulk_create(
        through(subscriber_id=s.pk, component_id=component.pk) for s in subscribers[: count // 2]
    )
    user, _ = get_user_model().objects.get_or_create(username="bench-commander")
    severity = SeverityPolicy.objects.get(level="P2")
    return services.incident_declare(
        title="Bench", severity=severity, by=user, public=True, components=[component]
    ), user


def main() -> None:
    name, drop = setup_database()
    try:
        from django.db import connection, transaction

        from config.celery import app
        from incidents.outbox.models import Notification
        from incidents.statuspage import fanout
        from incidents.statuspage import services as status_services

        app.conf.update(task_always_eager=False, broker_url="memory://")
        print(f"database {connection.vendor} ({name})")

        incident, user = prepare(10_000)
        publish_times = []
        for n in range(3):
            started = time.perf_counter()
            with transaction.atomic():
                update = status_services.status_update_publish(
                    incident, status="identified", body=f"Update {n}.", by=user
                )
            publish_times.append(time.perf_counter() - started)
        print(
            f"publish with 10,000 subscribers: median {statistics.median(publish_times) * 1000:.0f} ms"
            " (the fan-out is queued to a worker)"
        )

        per_subscriber = {}
        for count, repeats in REPEATS.items():
            incident, user = prepare(count)
            with transaction.atomic():
                updates = [
                    status_services.status_update_publish(incident, status="identified", body=f"U{k}.", by=user)
                    for k in range(repeats)
                ]
            times = []
            for update in updates:
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("ANALYZE")
                started = time.perf_counter()
                written = fanout.status_update_fanout(update.pk)
                times.append(time.perf_counter() - started)
                assert written == count, (written, count)
            assert Notification.objects.count() == count * repeats
            per_subscriber[count] = statistics.median(times) / count
            print(
                f"fan-out to {count:>6,} subscribers: median {statistics.median(times):.2f} s,"
                f" {per_subscriber[count] * 1000:.3f} ms per subscriber"
            )
        ratio = per_subscriber[10_000] / per_subscriber[100]
        print(f"per-subscriber cost 10,000 / 100: {ratio:.2f} (goal <= 1.5)")
    finally:
        drop()


if __name__ == "__main__":
    main()
