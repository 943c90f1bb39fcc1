"""The notification outbox: real email backend (locmem), real HTTP through Apprise to a local receiver."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from incidents import services
from incidents.models import TimelineKind
from incidents.outbox import services as notify
from incidents.outbox.models import Notification, NotificationStatus
from incidents.timers import engine as timers
from tests.conftest import closed_port
from tests.factories import IncidentFactory, UserFactory
from tests.receiver import running_receiver

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture
def receiver():
    with running_receiver() as running:
        yield running


@pytest.fixture
def fast_retries(settings):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    settings.NOTIFY_RETRY_BASE_SECONDS = 10
    settings.NOTIFY_LEASE_SECONDS = 60
    return settings


def test_email_to_a_user_is_sent_on_commit_and_logged(severities, commander, django_capture_on_commit_callbacks):
    incident = IncidentFactory.create(by=commander, level="P2")
    user = UserFactory.create(username="pager", email="pager@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        sent = notify.enqueue(target=user, subject="Paging you", body="Body", about=incident)
    sent.refresh_from_db()
    assert sent.status == NotificationStatus.SENT
    assert [m.to for m in mail.outbox] == [["pager@example.com"]]
    entry = incident.timeline.get(kind=TimelineKind.NOTIFICATION)
    assert "Paging you" in entry.text
    assert entry.data["status"] == "sent"


def test_apprise_delivery_to_a_webhook(severities, commander, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = notify.enqueue(target=receiver.url("hook"), subject="Hello", body="World")
    sent.refresh_from_db()
    assert sent.status == NotificationStatus.SENT
    [body] = receiver.delivered("hook")
    assert (body["title"], body["message"]) == ("Hello", "World")


def test_invalid_target_is_refused(db):
    with pytest.raises(ValidationError, match="not a notification URL"):
        notify.enqueue(target="nonsense://x", subject="s", body="b")


def test_user_without_email_fails_at_once_with_the_reason(severities, commander):
    user = UserFactory.create(username="noemail", email="")
    row = notify.enqueue(target=user, subject="s", body="b")
    assert row.status == NotificationStatus.FAILED
    assert "no email address" in row.last_error


def test_500_then_200_is_delivered_after_a_backed_off_retry(
    severities, commander, receiver, fast_retries, django_capture_on_commit_callbacks
):
    receiver.script["flaky"] = [500, 200]
    incident = IncidentFactory.create(by=commander, level="P2")
    with time_machine.travel(T0, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            row = notify.enqueue(target=receiver.url("flaky"), subject="s", body="b", about=incident)
        row.refresh_from_db()
        assert (row.status, row.attempts) == (NotificationStatus.PENDING, 1)
        assert "500" in row.last_error
        assert row.next_attempt_at == T0 + timedelta(seconds=10)
    with time_machine.travel(T0 + timedelta(seconds=5), tick=False), django_capture_on_commit_callbacks(execute=True):
        assert notify.requeue_undelivered() == 0  # still backing off
    with time_machine.travel(T0 + timedelta(seconds=10), tick=False), django_capture_on_commit_callbacks(execute=True):
        assert notify.requeue_undelivered() == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (NotificationStatus.SENT, 2, "")
    assert receiver.hits["flaky"] == 2
    assert len(receiver.delivered("flaky")) == 1


def test_500_always_ends_failed_with_the_error_and_other_targets_are_unaffected(
    severities, commander, receiver, fast_retries, django_capture_on_commit_callbacks
):
    receiver.script["broken"] = [500]
    incident = IncidentFactory.create(by=commander, level="P2")
    refused = f"json://127.0.0.1:{closed_port()}/nobody"
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        broken = notify.enqueue(target=receiver.url("broken"), subject="s", body="b", about=incident)
        down = notify.enqueue(target=refused, subject="s", body="b", about=incident)
        ok = notify.enqueue(target=receiver.url("ok"), subject="s", body="b", about=incident)
    for seconds in (10, 30, 70):
        moment = T0 + timedelta(seconds=seconds)
        with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
            notify.requeue_undelivered()
    for row in (broken, down, ok):
        row.refresh_from_db()
    assert (ok.status, ok.attempts) == (NotificationStatus.SENT, 1)
    assert (broken.status, broken.attempts) == (NotificationStatus.FAILED, 3)
    assert "500" in broken.last_error
    assert (down.status, down.attempts) == (NotificationStatus.FAILED, 3)
    assert "onnection" in down.last_error
    failed_entries = incident.timeline.filter(kind=TimelineKind.NOTIFICATION, data__status="failed")
    assert failed_entries.count() == 2


def test_tick_requeues_a_delivery_whose_task_was_lost_or_whose_worker_died(
    severities, commander, receiver, fast_retries, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0, tick=False):
        notify.enqueue(target=receiver.url("lost"), subject="s", body="b")  # on_commit never ran
        died = notify.enqueue(target=receiver.url("died"), subject="s", body="b")
        Notification.objects.filter(pk=died.pk).update(
            status=NotificationStatus.SENDING, attempts=1, lease_until=T0 + timedelta(seconds=60)
        )
    with time_machine.travel(T0 + timedelta(seconds=59), tick=False), django_capture_on_commit_callbacks(execute=True):
        assert notify.requeue_undelivered() == 0
    with time_machine.travel(T0 + timedelta(seconds=61), tick=False), django_capture_on_commit_callbacks(execute=True):
        assert notify.requeue_undelivered() == 2
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.SENT}
    assert len(receiver.delivered()) == 2


def test_a_duplicate_delivery_task_sends_once(severities, commander, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        row = notify.enqueue(target=receiver.url("once"), subject="s", body="b")
    assert notify.deliver(row.pk) == "skipped"
    assert len(receiver.delivered("once")) == 1


def test_one_row_per_timer_and_target(severities, commander):
    incident = IncidentFactory.create(by=commander, level="P1")
    timer = timers.timers_for(incident).first()
    assert timer is not None
    first = notify.enqueue(dedupe_key=timer.notification_key, target=commander, subject="s", body="b", about=incident)
    again = notify.enqueue(dedupe_key=timer.notification_key, target=commander, subject="s", body="b", about=incident)
    assert first.pk == again.pk
    assert Notification.objects.count() == 1


def test_retry_resets_a_failed_notification(severities, commander, receiver, django_capture_on_commit_callbacks):
    row = Notification.objects.create(
        target=receiver.url("again"), subject="s", body="b", status=NotificationStatus.FAILED, attempts=5
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert notify.retry([row]) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.SENT, 1)
    sent = Notification.objects.create(target=receiver.url("x"), subject="s", body="b", status=NotificationStatus.SENT)
    with pytest.raises(ValidationError):
        notify.retry([sent])


def test_broker_down_declare_acknowledge_resolve_still_work_and_nothing_is_lost(
    severities, commander, receiver, fast_retries, settings, django_capture_on_commit_callbacks
):
    """A real connection-refused broker: the services commit; undelivered rows wait for the tick."""
    from config.celery import app

    settings.NOTIFY_LEASE_SECONDS = 5

    def reset_connections() -> None:
        from kombu import pools

        app._pool = None  # type: ignore[attr-defined]
        app.amqp._producer_pool = None  # type: ignore[attr-defined]
        pools.reset()

    old_url = app.conf.broker_url
    reset_connections()
    app.conf.task_always_eager = False
    app.conf.broker_url = f"redis://127.0.0.1:{closed_port()}/0"  # type: ignore[misc]
    try:
        with time_machine.travel(T0, tick=False):
            incident = IncidentFactory.create(by=commander, level="P2")
            with django_capture_on_commit_callbacks(execute=True):
                row = notify.enqueue(target=receiver.url("later"), subject="s", body="b", about=incident)
                incident = services.incident_acknowledge(incident, by=commander)
                services.incident_resolve(incident, by=commander)
    finally:
        reset_connections()
        app.conf.broker_url = old_url  # type: ignore[misc]
        app.conf.task_always_eager = True
    incident.refresh_from_db()
    assert incident.status == "resolved"
    row.refresh_from_db()
    assert row.status == NotificationStatus.PENDING
    assert receiver.delivered() == []
    with time_machine.travel(T0 + timedelta(seconds=6), tick=False), django_capture_on_commit_callbacks(execute=True):
        assert notify.requeue_undelivered() == 1  # the broker is back: delivered now
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT
    assert len(receiver.delivered("later")) == 1
