"""Writes of the public status page besides incident updates: components and scheduled maintenance.
(Publishing an incident's status update is incidents.services.status_update_publish.)"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.models import (
    Component,
    MaintenanceImpact,
    MaintenanceStatus,
    MaintenanceUpdate,
    ScheduledMaintenance,
)
from incidents.services import User, _user

COMPONENT_FIELDS = ("name", "description", "group", "position", "status")
MAINTENANCE_FIELDS = ("name", "impact", "scheduled_for", "scheduled_until")

# The message posted with a status change when the author gives none.
DEFAULT_MAINTENANCE_BODY = {
    MaintenanceStatus.SCHEDULED: "This maintenance is scheduled.",
    MaintenanceStatus.IN_PROGRESS: "Maintenance is in progress. We will post an update when it is done.",
    MaintenanceStatus.VERIFYING: "The work is done; we are verifying that everything runs normally.",
    MaintenanceStatus.COMPLETED: "The maintenance has been completed.",
}
MAINTENANCE_TIMESTAMP = {
    MaintenanceStatus.IN_PROGRESS: "started_at",
    MaintenanceStatus.VERIFYING: "monitoring_at",
    MaintenanceStatus.COMPLETED: "resolved_at",
}


@transaction.atomic
def component_create(*, by: User, name: str, **fields: Any) -> Component:
    unknown = set(fields) - set(COMPONENT_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown component fields: {', '.join(sorted(unknown))}.")
    component = Component(name=(name or "").strip(), **fields)
    component.full_clean()
    component.save()
    return component


@transaction.atomic
def component_update(component: Component, *, by: User, **changes: Any) -> Component:
    unknown = set(changes) - set(COMPONENT_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown component fields: {', '.join(sorted(unknown))}.")
    component = Component.objects.select_for_update().get(pk=component.pk)
    for name, value in changes.items():
        setattr(component, name, value)
    component.full_clean()
    component.save()
    return component


@transaction.atomic
def component_delete(component: Component, *, by: User) -> None:
    if component.incidents.exists():
        raise ValidationError(f"{component.name} is recorded on incidents; it cannot be deleted.")
    component.delete()


def _check_status(status: str) -> None:
    if status not in MaintenanceStatus.values:
        raise ValidationError(
            {"status": f"Unknown status {status!r}; use one of {', '.join(MaintenanceStatus.values)}."}
        )


@transaction.atomic
def maintenance_create(
    *,
    name: str,
    scheduled_for: datetime,
    scheduled_until: datetime,
    by: User,
    status: str = MaintenanceStatus.SCHEDULED,
    impact: str = MaintenanceImpact.MAINTENANCE,
    components: Iterable[Component] = (),
    body: str = "",
) -> ScheduledMaintenance:
    _check_status(status)
    now = timezone.now()
    maintenance = ScheduledMaintenance(
        name=(name or "").strip(),
        status=status,
        impact=impact,
        scheduled_for=scheduled_for,
        scheduled_until=scheduled_until,
        created_at=now,
    )
    for reached, timestamp in MAINTENANCE_TIMESTAMP.items():
        if _order(status) >= _order(reached):
            setattr(maintenance, timestamp, now)
    maintenance.full_clean()
    maintenance.save()
    if components:
        maintenance.components.set(list(components))
    MaintenanceUpdate.objects.create(
        maintenance=maintenance,
        status=status,
        body=(body or "").strip() or DEFAULT_MAINTENANCE_BODY[MaintenanceStatus(status)],
        author=_user(by),
        display_at=now,
        created_at=now,
    )
    return maintenance


def _order(status: str) -> int:
    return list(MaintenanceStatus.values).index(status)


@transaction.atomic
def maintenance_update(
    maintenance: ScheduledMaintenance,
    *,
    by: User,
    status: str | None = None,
    components: Iterable[Component] | None = None,
    body: str = "",
    **changes: Any,
) -> ScheduledMaintenance:
    """Edit a maintenance; a status change (or a message) posts a public update."""
    unknown = set(changes) - set(MAINTENANCE_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be edited here: {', '.join(sorted(unknown))}.")
    maintenance = ScheduledMaintenance.objects.select_for_update().get(pk=maintenance.pk)
    now = timezone.now()
    for name, value in changes.items():
        setattr(maintenance, name, value)
    moved = status is not None and status != maintenance.status
    if moved:
        assert status is not None
        _check_status(status)
        if maintenance.status == MaintenanceStatus.COMPLETED:
            raise ValidationError({"status": "This maintenance is completed; its status is final."})
        maintenance.status = status
        timestamp = MAINTENANCE_TIMESTAMP.get(MaintenanceStatus(status))
        if timestamp and getattr(maintenance, timestamp) is None:
            setattr(maintenance, timestamp, now)
    maintenance.full_clean()
    maintenance.save()
    if components is not None:
        maintenance.components.set(list(components))
    body = (body or "").strip()
    if moved or body:
        MaintenanceUpdate.objects.create(
            maintenance=maintenance,
            status=maintenance.status,
            body=body or DEFAULT_MAINTENANCE_BODY[MaintenanceStatus(maintenance.status)],
            author=_user(by),
            display_at=now,
            created_at=now,
        )
    return maintenance


@transaction.atomic
def maintenance_delete(maintenance: ScheduledMaintenance, *, by: User) -> None:
    maintenance.delete()
