"""The catalogue incidents refer to: components (shown on the status page) and severity policies."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from incidents.models import (
    OPEN_STATUSES,
    Component,
    Incident,
    SeverityPolicy,
)
from incidents.services.lifecycle import _changed, lock_incident
from incidents.timeline import Actor

# Components: the services shown on the status page, recorded on incidents.
COMPONENT_FIELDS = ("name", "description", "group", "position", "status", "uptime_enabled")


def _check_component_fields(fields: Iterable[str]) -> None:
    unknown = set(fields) - set(COMPONENT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown component fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})


@transaction.atomic
def component_create(*, by: Actor, name: str, **fields: Any) -> Component:
    _check_component_fields(fields)
    component = Component(name=(name or "").strip(), **fields)
    component.full_clean()
    component.save()
    return component


@transaction.atomic
def component_update(component: Component, *, by: Actor, **changes: Any) -> Component:
    _check_component_fields(changes)
    component = Component.objects.select_for_update().get(pk=component.pk)
    for name, value in changes.items():
        setattr(component, name, value)
    component.full_clean()
    component.save()
    return component


@transaction.atomic
def component_delete(component: Component, *, by: Actor) -> None:
    component = Component.objects.select_for_update().get(pk=component.pk)
    if component.incidents.exists():
        raise ValidationError(
            _("%(component)s is recorded on incidents; it cannot be deleted.") % {"component": component.name}
        )
    component.delete()


# Severity policies: the runbook's targets; a change moves the clocks of the open incidents using them.


@transaction.atomic
def severity_policy_save(policy: SeverityPolicy, *, by: Actor) -> SeverityPolicy:
    """Create or edit a severity. The open incidents of this severity re-plan their clocks (a shorter
    response target moves their acknowledge deadline now, not at their next change)."""
    policy.full_clean()
    policy._change_reason = f"Edited by {getattr(by, 'username', 'system')}"  # type: ignore[attr-defined]
    policy.save()
    open_incidents_changed(policy.pk)
    return policy


def open_incidents_changed(severity_id: int) -> None:
    """Send `incident_changed` for each open incident of a severity whose rules changed (its targets here,
    its escalation policy in paging), so the clocks re-plan now. Call inside the changing transaction."""
    for incident in Incident.objects.filter(severity_id=severity_id, status__in=OPEN_STATUSES).order_by("pk"):
        _changed(lock_incident(incident), "policy")
