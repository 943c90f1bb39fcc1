"""When anything the public status page shows changes: drop its cache and record the components'
statuses for the uptime history (both after the transaction commits). A new update is fanned out to the
subscribers; the outcome of each delivery to a subscriber is noted."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from incidents import faults
from incidents.models import Component, Incident, SeverityPolicy
from incidents.outbox.models import Notification
from incidents.outbox.signals import notification_finished
from incidents.statuspage.fanout import delivery_finished
from incidents.statuspage.http import drop_status_cache_on_commit
from incidents.statuspage.models import MaintenanceUpdate, ScheduledMaintenance, StatusUpdate, StatusUpdateComponent
from incidents.statuspage.tasks import record_on_commit, tell_maintenance_update, tell_status_update

SHOWN_MODELS = (
    Component,
    Incident,
    SeverityPolicy,
    StatusUpdate,
    StatusUpdateComponent,
    ScheduledMaintenance,
    MaintenanceUpdate,
)


def _delivery_finished(sender: Any, notification: Notification, **kwargs: Any) -> None:
    delivery_finished(notification)


def _changed(sender: Any, **kwargs: Any) -> None:
    drop_status_cache_on_commit()
    record_on_commit()


def _update_saved(sender: Any, instance: StatusUpdate, created: bool, **kwargs: Any) -> None:
    """A new published update with `deliver_notifications` is fanned out to subscribers by a worker."""
    if created and instance.published and instance.deliver_notifications:
        update_id = instance.pk
        transaction.on_commit(lambda: _queue_fanout(tell_status_update, update_id))


def _maintenance_update_saved(sender: Any, instance: MaintenanceUpdate, created: bool, **kwargs: Any) -> None:
    if created and instance.deliver_notifications:
        update_id = instance.pk
        transaction.on_commit(lambda: _queue_fanout(tell_maintenance_update, update_id))


def _queue_fanout(task: Any, update_id: int) -> None:
    try:
        task.delay(update_id)
    except Exception as error:  # a broker outage must not fail the publish that has committed
        faults.failed(faults.BROKER, error)  # beat's sweep queues it again


def connect() -> None:
    post_save.connect(_update_saved, sender=StatusUpdate, dispatch_uid="status-update-subscribers")
    post_save.connect(
        _maintenance_update_saved, sender=MaintenanceUpdate, dispatch_uid="maintenance-update-subscribers"
    )
    notification_finished.connect(_delivery_finished, dispatch_uid="status-subscriber-deliveries")
    for model in SHOWN_MODELS:
        post_save.connect(_changed, sender=model, dispatch_uid=f"status-cache-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"status-cache-delete-{model.__name__}")
    for through in (Incident.components.through, ScheduledMaintenance.components.through):
        m2m_changed.connect(_changed, sender=through, dispatch_uid=f"status-cache-m2m-{through.__name__}")
