"""Writes of the public status page: an incident's status updates, components and scheduled maintenance."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from incidents import hooks
from incidents.languages import in_site_language
from incidents.models import Component, ComponentStatus, Incident, IncidentStatus, TimelineKind
from incidents.services import count_change, incident_move_status, lock_incident
from incidents.statuspage.models import (
    MaintenanceImpact,
    MaintenanceStatus,
    MaintenanceUpdate,
    PublicIncidentStatus,
    ScheduledMaintenance,
    StatusUpdate,
    StatusUpdateComponent,
)
from incidents.timeline import Actor, acting_user, timeline_append

MAINTENANCE_FIELDS = ("name", "impact", "scheduled_for", "scheduled_until")

# The message posted with a status change when the author gives none.
# Stored on the public page: written in the site's language (`default_maintenance_body`).
DEFAULT_MAINTENANCE_BODY = {
    MaintenanceStatus.SCHEDULED: gettext_noop("This maintenance is scheduled."),
    MaintenanceStatus.IN_PROGRESS: gettext_noop("Maintenance is in progress. We will post an update when it is done."),
    MaintenanceStatus.VERIFYING: gettext_noop("The work is done; we are verifying that everything runs normally."),
    MaintenanceStatus.COMPLETED: gettext_noop("The maintenance has been completed."),
}
MAINTENANCE_TIMESTAMP = {
    MaintenanceStatus.IN_PROGRESS: "started_at",
    MaintenanceStatus.VERIFYING: "monitoring_at",
    MaintenanceStatus.COMPLETED: "resolved_at",
}


def default_maintenance_body(status: str) -> str:
    """The standard public message of a maintenance status, in the site's language (it is stored)."""
    with in_site_language():
        return gettext(DEFAULT_MAINTENANCE_BODY[MaintenanceStatus(status)])


def _check_status(status: str) -> None:
    if status not in MaintenanceStatus.values:
        raise ValidationError(
            {
                "status": gettext("Unknown status %(status)r; use one of %(choices)s.")
                % {"status": status, "choices": ", ".join(MaintenanceStatus.values)}
            }
        )


@transaction.atomic
def maintenance_create(
    *,
    name: str,
    scheduled_for: datetime,
    scheduled_until: datetime,
    by: Actor,
    status: str = MaintenanceStatus.SCHEDULED,
    impact: str = MaintenanceImpact.MAINTENANCE,
    components: Iterable[Component] = (),
    body: str = "",
    deliver_notifications: bool = True,
) -> ScheduledMaintenance:
    """Schedule a maintenance with its first public update; `deliver_notifications` tells subscribers."""
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
        body=(body or "").strip() or default_maintenance_body(status),
        author=acting_user(by),
        display_at=now,
        created_at=now,
        deliver_notifications=deliver_notifications,
    )
    return maintenance


def _order(status: str) -> int:
    return list(MaintenanceStatus.values).index(status)


@transaction.atomic
def maintenance_update(
    maintenance: ScheduledMaintenance,
    *,
    by: Actor,
    status: str | None = None,
    components: Iterable[Component] | None = None,
    body: str = "",
    deliver_notifications: bool = True,
    **changes: Any,
) -> ScheduledMaintenance:
    """Edit a maintenance; a status change (or a message) posts a public update, which tells subscribers
    unless `deliver_notifications` is off."""
    unknown = set(changes) - set(MAINTENANCE_FIELDS)
    if unknown:
        raise ValidationError(
            gettext("These fields cannot be edited here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    maintenance = _lock_maintenance(maintenance)
    now = timezone.now()
    for name, value in changes.items():
        setattr(maintenance, name, value)
    moved = status is not None and status != maintenance.status
    if moved:
        assert status is not None
        _check_status(status)
        if maintenance.status == MaintenanceStatus.COMPLETED:
            raise ValidationError({"status": gettext("This maintenance is completed; its status is final.")})
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
            body=body or default_maintenance_body(maintenance.status),
            author=acting_user(by),
            display_at=now,
            created_at=now,
            deliver_notifications=deliver_notifications,
        )
    return maintenance


def _lock_maintenance(maintenance: ScheduledMaintenance) -> ScheduledMaintenance:
    """Lock the row; a maintenance deleted meanwhile is gone (404), not an error."""
    return ScheduledMaintenance.objects.select_for_update().get(pk=maintenance.pk)


@transaction.atomic
def maintenance_delete(maintenance: ScheduledMaintenance, *, by: Actor) -> None:
    """Delete a maintenance with its public updates. The row lock orders a racing edit before or after:
    after, the edit finds nothing (404) instead of adding an update to a maintenance being deleted."""
    maintenance = _lock_maintenance(maintenance)
    MaintenanceUpdate.objects.filter(maintenance=maintenance).delete()
    maintenance.delete()


@transaction.atomic
def status_update_publish(
    incident: Incident,
    *,
    status: str,
    body: str,
    by: Actor,
    component_statuses: dict[Component, str] | None = None,
    display_at: datetime | None = None,
    deliver_notifications: bool | None = None,
    expected_version: int | None = None,
) -> StatusUpdate:
    """Publish a public status update (runbook 3.3): in one transaction, move the incident through the
    lifecycle when the public status differs, set the components' statuses, log it on the timeline
    and re-plan the timers ("next update due" counts from the latest status update).

    `investigating/identified/monitoring/resolved` are the lifecycle statuses of the same name (a closed
    incident stays closed on `resolved`). `postmortem` moves nothing: it is accepted once the incident is
    resolved or closed and tells readers the post-mortem is out.

    `deliver_notifications` (default: whether the incident is public) tells the page's subscribers, from a
    worker once the transaction commits.

    `expected_version`: the incident's version the author saw; publishing over a newer one (someone else
    moved the incident or published meanwhile) is refused with IncidentConflict. A publication counts as
    a change of the incident.
    """
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": gettext("A status update needs a message.")})
    if status not in PublicIncidentStatus.values:
        choices = ", ".join(PublicIncidentStatus.values)
        raise ValidationError(
            {
                "status": gettext("Unknown status %(status)r; use one of %(choices)s.")
                % {"status": status, "choices": choices}
            }
        )
    changes = dict(component_statuses or {})
    for component, new_status in changes.items():
        if new_status not in ComponentStatus.values:
            raise ValidationError(
                {
                    "component_statuses": gettext("Unknown status %(status)r for %(component)s.")
                    % {"status": new_status, "component": component.name}
                }
            )
    incident = lock_incident(incident, expected_version=expected_version)
    if status == PublicIncidentStatus.POSTMORTEM:
        if incident.is_open:
            raise ValidationError(
                {
                    "status": gettext("%(reference)s is still open; resolve it before announcing the post-mortem.")
                    % {"reference": incident.reference}
                }
            )
    elif status != incident.status and not (
        status == IncidentStatus.RESOLVED and incident.status == IncidentStatus.CLOSED
    ):
        incident = incident_move_status(incident, status=status, by=by)

    now = timezone.now()
    update = StatusUpdate.objects.create(
        incident=incident,
        status=status,
        body=body,
        display_at=display_at or now,
        author=acting_user(by),
        created_at=now,
        deliver_notifications=incident.public if deliver_notifications is None else bool(deliver_notifications),
    )
    affected: dict[str, list[str]] = {}
    if changes:
        locked = {c.pk: c for c in Component.objects.select_for_update().filter(pk__in=[c.pk for c in changes])}
        rows = []
        for component, new_status in changes.items():
            current = locked[component.pk]
            rows.append(
                StatusUpdateComponent(
                    update=update, component=current, old_status=current.status, new_status=new_status
                )
            )
            affected[current.name] = [current.status, new_status]
            if current.status != new_status:
                current.status = new_status
                current.save(update_fields=["status", "updated_at"])
        StatusUpdateComponent.objects.bulk_create(rows)
        incident.components.add(*locked.values())
    incident.save(update_fields=[*count_change(incident, by=by, at=now), "updated_at"])
    with in_site_language():  # stored on the timeline: in the site's language
        text = gettext("Status update (%(status)s): %(body)s") % {
            "status": str(PublicIncidentStatus(status).label).lower(),
            "body": body,
        }
        if affected:
            changed = ", ".join(f"{name} {old} → {new}" for name, (old, new) in affected.items())
            text += "\n" + gettext("Components: %(changes)s") % {"changes": changed}
    timeline_append(
        incident,
        kind=TimelineKind.STATUS_UPDATE,
        text=text,
        by=by,
        at=now,
        data={"update": update.public_id, "status": status, "components": affected, "public": incident.public},
    )
    hooks.incident_changed.send(sender=Incident, incident=incident, change="status_update")  # next update due from now
    return update


@transaction.atomic
def status_update_withdraw(update: StatusUpdate, *, by: Actor, expected_version: int | None = None) -> StatusUpdate:
    """Hide a published update from the status page (e.g. posted on the wrong incident). The incident's
    status and the components are left as they are; the withdrawal is logged."""
    incident = lock_incident(update.incident, expected_version=expected_version)
    update = StatusUpdate.objects.select_for_update().get(pk=update.pk)
    if not update.published:
        raise ValidationError(gettext("This status update was already withdrawn."))
    update.published = False
    update.save(update_fields=["published", "updated_at"])
    incident.save(update_fields=[*count_change(incident, by=by), "updated_at"])
    timeline_append(
        incident,
        kind=TimelineKind.EDIT,
        text=_withdrawn_text(update),
        by=by,
        data={"update": update.public_id},
    )
    return update


def _withdrawn_text(update: StatusUpdate) -> str:
    """The timeline's note of a withdrawal, in the site's language (it is stored)."""
    with in_site_language():
        return gettext("Withdrew the status update of %(time)s UTC from the status page") % {
            "time": f"{update.display_at:%H:%M}"
        }
