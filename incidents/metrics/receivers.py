"""Signal receivers that count events. Each counts once the transaction that made the change commits, so
a refused or rolled-back change is not counted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save

from incidents import hooks
from incidents.alerts.models import Outcome, Payload
from incidents.metrics import instruments
from incidents.models import Incident
from incidents.outbox import signals as outbox_signals
from incidents.outbox.models import Notification, NotificationStatus
from incidents.paging import clocks
from incidents.timers import signals as timer_signals
from incidents.timers.engine import TickResult
from incidents.timers.models import Timer

# The runbook deadlines whose firing is a breach, by the name the metric gives them.
BREACH_DEADLINES = {
    clocks.ACKNOWLEDGE_DEADLINE: "acknowledge",
    clocks.RESOLUTION_DEADLINE: "resolve",
    clocks.STAKEHOLDER_DEADLINE: "stakeholder",
    clocks.UPDATE_REMINDER: "update",
}
# A handler's outcome starting with this means the deadline was met after all (e.g. acknowledged meanwhile).
SKIPPED = "skipped"


def _on_commit(count: Callable[[], None]) -> None:
    transaction.on_commit(count, robust=True)


def incident_changed(sender: Any, incident: Incident, change: str = "", **kwargs: Any) -> None:
    if change == "declared":
        severity = incident.severity.level
        _on_commit(lambda: instruments.INCIDENTS_DECLARED.labels(severity).inc())
    elif change == "acknowledged" and incident.acknowledged_at is not None:
        severity = incident.severity.level
        seconds = max((incident.acknowledged_at - incident.started_at).total_seconds(), 0.0)
        _on_commit(lambda: instruments.TIME_TO_ACKNOWLEDGE.labels(severity).observe(seconds))


def incident_resolved(sender: Any, incident: Incident, **kwargs: Any) -> None:
    if incident.resolved_at is None:
        return
    severity = incident.severity.level
    seconds = max((incident.resolved_at - incident.started_at).total_seconds(), 0.0)
    _on_commit(lambda: instruments.TIME_TO_RESOLVE.labels(severity).observe(seconds))


def timer_fired(sender: Any, timer: Timer, subject: Any, outcome: str, **kwargs: Any) -> None:
    kind = timer.kind
    lateness = max((timer.fired_at - timer.due_at).total_seconds(), 0.0) if timer.fired_at else 0.0
    deadline = BREACH_DEADLINES.get(kind)
    breached = deadline is not None and isinstance(subject, Incident) and not outcome.startswith(SKIPPED)
    severity = subject.severity.level if breached else ""

    def count() -> None:
        instruments.TIMERS_FIRED.labels(kind).inc()
        instruments.TIMER_LATENESS.labels(kind).observe(lateness)
        if breached:
            instruments.SLA_BREACHES.labels(deadline, severity).inc()

    _on_commit(count)


def tick_finished(sender: Any, duration: float, due: int, result: TickResult, **kwargs: Any) -> None:
    instruments.TICK_DURATION.observe(duration)
    instruments.TICK_DUE_TIMERS.observe(due)
    if result.errors:
        instruments.TIMER_ERRORS.inc(result.errors)


def notification_queued(sender: Any, notification: Notification, **kwargs: Any) -> None:
    channel = notification.channel
    _on_commit(lambda: instruments.OUTBOX_QUEUED.labels(channel).inc())


def notification_retried(sender: Any, notification: Notification, **kwargs: Any) -> None:
    channel = notification.channel
    _on_commit(lambda: instruments.OUTBOX_RETRIED.labels(channel).inc())


def notification_finished(sender: Any, notification: Notification, **kwargs: Any) -> None:
    channel = notification.channel
    counter = (
        instruments.OUTBOX_DELIVERED if notification.status == NotificationStatus.SENT else instruments.OUTBOX_FAILED
    )
    _on_commit(lambda: counter.labels(channel).inc())


def payload_saved(sender: Any, instance: Payload, created: bool, **kwargs: Any) -> None:
    if not created:
        return
    labels = (instance.integration.name, instance.endpoint)
    rejected = instance.outcome == Outcome.REJECTED

    def count() -> None:
        instruments.ALERT_PAYLOADS_RECEIVED.labels(*labels).inc()
        if rejected:
            instruments.ALERT_PAYLOADS_REJECTED.labels(*labels).inc()

    _on_commit(count)


def connect() -> None:
    hooks.incident_changed.connect(incident_changed, dispatch_uid="metrics.incident_changed")
    hooks.incident_resolved.connect(incident_resolved, dispatch_uid="metrics.incident_resolved")
    timer_signals.timer_fired.connect(timer_fired, dispatch_uid="metrics.timer_fired")
    timer_signals.tick_finished.connect(tick_finished, dispatch_uid="metrics.tick_finished")
    outbox_signals.notification_queued.connect(notification_queued, dispatch_uid="metrics.notification_queued")
    outbox_signals.notification_retried.connect(notification_retried, dispatch_uid="metrics.notification_retried")
    outbox_signals.notification_finished.connect(notification_finished, dispatch_uid="metrics.notification_finished")
    post_save.connect(payload_saved, sender=Payload, dispatch_uid="metrics.payload_saved")
