"""Edits of a live incident that are not lifecycle moves: notes, checklist ticks and details, and the
one combined edit an API PATCH makes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from incidents.languages import in_site_language
from incidents.models import (
    ChecklistItem,
    Component,
    Incident,
    SeverityPolicy,
    TimelineEntry,
    TimelineKind,
)
from incidents.services.lifecycle import incident_change_severity, incident_move_status, lock_incident
from incidents.services.versioning import count_change
from incidents.timeline import Actor, acting_user, timeline_append
from incidents.timezones import zoned_text


@transaction.atomic
def incident_add_note(incident: Incident, *, by: Actor, text: str) -> TimelineEntry:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("A note cannot be empty.")})
    incident = lock_incident(incident)
    Incident.objects.filter(pk=incident.pk).update(updated_at=timezone.now())
    return timeline_append(incident, kind=TimelineKind.NOTE, text=text, by=by)


@transaction.atomic
def checklist_item_tick(item: ChecklistItem, *, by: Actor) -> ChecklistItem:
    """Tick an item. The item is the unit of conflict: ticking one someone else ticked meanwhile is
    refused (naming who and when), never logged twice; other changes of the incident do not matter."""
    item = ChecklistItem.objects.select_for_update().select_related("incident").get(pk=item.pk)
    if item.done_at is not None:
        params = {"label": item.label, "time": zoned_text(item.done_at, "H:i")}
        if item.done_by is not None:
            message = _("“%(label)s” was already ticked by %(user)s at %(time)s.") % {
                **params,
                "user": item.done_by.get_username(),
            }
        else:
            message = _("“%(label)s” was already ticked at %(time)s.") % params
        raise ValidationError(message, code="conflict")
    now = timezone.now()
    item.done_at = now
    item.done_by = acting_user(by)
    item.save(update_fields=["done_at", "done_by"])
    with in_site_language():
        text = _("Checked: %(label)s") % {"label": item.label}
    timeline_append(item.incident, kind=TimelineKind.CHECKLIST, text=text, by=by, at=now, data={"item": item.pk})
    return item


@transaction.atomic
def checklist_items_add(incident: Incident, *, labels: Iterable[str], by: Actor, source: str) -> list[ChecklistItem]:
    """Append items to the incident's checklist (e.g. a playbook's resolution steps), skipping labels it
    already has, and log them as one timeline entry naming where they came from."""
    incident = lock_incident(incident)
    existing = set(incident.checklist.values_list("label", flat=True))
    position = max(incident.checklist.values_list("position", flat=True), default=0)
    added: list[ChecklistItem] = []
    for raw in labels:
        label = Truncator(" ".join(raw.split())).chars(ChecklistItem._meta.get_field("label").max_length or 200)
        if not label or label in existing:
            continue
        position += 1
        existing.add(label)
        added.append(ChecklistItem(incident=incident, position=position, label=label))
    ChecklistItem.objects.bulk_create(added)
    Incident.objects.filter(pk=incident.pk).update(updated_at=timezone.now())
    with in_site_language():
        if added:
            text = ngettext(
                "Added %(count)d checklist item from %(source)s",
                "Added %(count)d checklist items from %(source)s",
                len(added),
            ) % {"count": len(added), "source": source}
        else:
            text = _("Applied %(source)s: nothing new to add") % {"source": source}
    timeline_append(
        incident,
        kind=TimelineKind.CHECKLIST,
        text=text,
        by=by,
        data={"source": source, "items": [item.pk for item in added]},
    )
    return added


# Details a commander may edit freely; state, clocks, severity and roles (a hand-over is notified) have
# their own services.
EDITABLE_DETAILS = (
    "title",
    "summary",
    "users_affected_pct",
    "data_impact",
    "security_breach",
    "public",
    "public_impact_override",
    "external_ticket",
    "chat_channel",
)


@transaction.atomic
def incident_update_details(
    incident: Incident,
    *,
    by: Actor,
    components: Iterable[Component] | None = None,
    responders: Iterable[User] | None = None,
    expected_version: int | None = None,
    **changes: Any,
) -> Incident:
    """Edit descriptive fields; logs which ones changed."""
    unknown = set(changes) - set(EDITABLE_DETAILS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be edited here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    incident = lock_incident(incident, expected_version=expected_version)
    changed: list[str] = []
    for name, value in changes.items():
        if getattr(incident, name) != value:
            setattr(incident, name, value)
            changed.append(name)
    fields = list(changed)
    if changed:
        incident.full_clean(exclude=["severity"])
    if components is not None:
        new = {c.pk for c in components}
        if new != set(incident.components.values_list("pk", flat=True)):
            incident.components.set(list(components))
            changed.append("components")
    if responders is not None:
        new = {u.pk for u in responders}
        if new != set(incident.responders.values_list("pk", flat=True)):
            incident.responders.set(list(responders))
            changed.append("responders")
    if changed:
        # One save (one history record) for the fields and the version the edit counts as.
        incident.save(update_fields=[*fields, *count_change(incident, by=by), "updated_at"])
        with in_site_language():
            labels = [str(getattr(Incident._meta.get_field(name), "verbose_name", name)) for name in changed]
            text = _("Edited %(fields)s") % {"fields": ", ".join(labels)}
        timeline_append(incident, kind=TimelineKind.EDIT, text=text, by=by, data={"fields": changed})
    return incident


@transaction.atomic
def incident_update(
    incident: Incident,
    *,
    by: Actor,
    details: dict[str, Any] | None = None,
    components: Iterable[Component] | None = None,
    severity: SeverityPolicy | None = None,
    status: str | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Incident:
    """One edit of an incident as the API takes it: details, components, severity and status together,
    applied whole or refused whole (a refused status move leaves the new title unsaved). The version is
    checked once, before the first part."""
    incident = lock_incident(incident, expected_version=expected_version)
    if details or components is not None:
        incident = incident_update_details(incident, by=by, components=components, **(details or {}))
    if severity is not None and severity.pk != incident.severity_id:
        incident = incident_change_severity(incident, severity=severity, by=by, reason=note)
    if status is not None and status != incident.status:
        incident = incident_move_status(incident, status=status, by=by, note=note)
    return incident
