"""When anything the public status page shows changes: drop its cache and record the components'
statuses for the uptime history (both after the transaction commits)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from incidents.models import Component, Incident, SeverityPolicy
from incidents.statuspage.http import drop_status_cache_on_commit
from incidents.statuspage.models import MaintenanceUpdate, ScheduledMaintenance, StatusUpdate, StatusUpdateComponent
from incidents.statuspage.uptime import public_statuses_record_on_commit

SHOWN_MODELS = (
    Component,
    Incident,
    SeverityPolicy,
    StatusUpdate,
    StatusUpdateComponent,
    ScheduledMaintenance,
    MaintenanceUpdate,
)


def _changed(sender: Any, **kwargs: Any) -> None:
    drop_status_cache_on_commit()
    public_statuses_record_on_commit()


def connect() -> None:
    for model in SHOWN_MODELS:
        post_save.connect(_changed, sender=model, dispatch_uid=f"status-cache-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"status-cache-delete-{model.__name__}")
    for through in (Incident.components.through, ScheduledMaintenance.components.through):
        m2m_changed.connect(_changed, sender=through, dispatch_uid=f"status-cache-m2m-{through.__name__}")
