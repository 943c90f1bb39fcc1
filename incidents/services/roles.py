"""The incident's roles: commander, communications lead, scribe and responders.

Each public function is one user action in one transaction: it locks the incident, checks the change,
writes it, logs it on the timeline and sends the hook that paging answers with notifications (the core
never notifies anyone itself). Refusals name the field they are about.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.hooks import command_handed_over, responder_added, role_assigned
from incidents.languages import in_site_language
from incidents.models import Incident, IncidentStatus, TimelineEntry, TimelineKind
from incidents.roles import person
from incidents.services.lifecycle import lock_incident
from incidents.services.versioning import count_change
from incidents.timeline import Actor, timeline_append

COMMANDER = "commander"
COMMUNICATIONS_LEAD = "communications_lead"
SCRIBE = "scribe"
# The roles one person holds at a time, as Incident fields, with the name the timeline uses.
ROLE_NAMES = {
    COMMANDER: gettext_lazy("incident commander"),
    COMMUNICATIONS_LEAD: gettext_lazy("communications lead"),
    SCRIBE: gettext_lazy("scribe"),
}
# Roles assigned and unassigned freely; command only changes hands.
ASSIGNABLE_ROLES = (COMMUNICATIONS_LEAD, SCRIBE)


def _open_for_roles(incident: Incident) -> None:
    if incident.status == IncidentStatus.CLOSED:
        raise ValidationError(
            _("%(reference)s is closed; its roles are part of the record now.") % {"reference": incident.reference}
        )


def _unknown_role(role: str) -> str:
    return _("Unknown role %(role)r; use one of %(roles)s.") % {"role": role, "roles": ", ".join(ROLE_NAMES)}


def _active(user: User, field: str) -> None:
    if not user.is_active:
        raise ValidationError({field: _("%(person)s is not an active user.") % {"person": person(user)}})


def _touch(incident: Incident, *, by: Actor) -> None:
    """Many-to-many changes do not save the row: count the change (the incident's version) for those who
    watch it and for forms rendered before it."""
    incident.save(update_fields=["updated_at", *count_change(incident, by=by)])


def _log(incident: Incident, text: str, *, by: Actor, **data: Any) -> TimelineEntry:
    return timeline_append(incident, kind=TimelineKind.ROLE, text=text, by=by, data=data)


def _hand_over(incident: Incident, *, to: User, by: Actor, note: str, field: str) -> TimelineEntry:
    _active(to, field)
    previous = incident.commander
    if previous is not None and previous.pk == to.pk:
        raise ValidationError({field: _("%(person)s already has command.") % {"person": person(to)}})
    incident.commander = to
    incident.save(update_fields=["commander", "updated_at", *count_change(incident, by=by)])
    note = (note or "").strip()
    with in_site_language():
        if previous is None:
            text = _("%(person)s took command") % {"person": person(to)}
        else:
            text = _("Command handed over from %(previous)s to %(person)s") % {
                "previous": person(previous),
                "person": person(to),
            }
        if note:
            text = _("%(change)s: %(reason)s") % {"change": text, "reason": note}
    entry = _log(
        incident, text, by=by, role=COMMANDER, previous=previous.pk if previous else None, user=to.pk, note=note
    )
    command_handed_over.send(sender=Incident, incident=incident, previous=previous, new=to, by=by, entry=entry)
    return entry


def _assign(incident: Incident, *, role: str, user: User | None, by: Actor) -> TimelineEntry:
    if role == COMMANDER:
        if user is None:
            raise ValidationError({role: _("An incident keeps a commander: hand command over to someone instead.")})
        return _hand_over(incident, to=user, by=by, note="", field=role)
    if role not in ASSIGNABLE_ROLES:
        raise ValidationError({"role": _unknown_role(role)})
    current: User | None = getattr(incident, role)
    if user is None:
        if current is None:
            raise ValidationError({role: _("Nobody is the %(role)s.") % {"role": ROLE_NAMES[role]}})
        with in_site_language():
            text = _("%(person)s is no longer the %(role)s") % {"person": person(current), "role": ROLE_NAMES[role]}
    else:
        _active(user, role)
        if current is not None and current.pk == user.pk:
            raise ValidationError(
                {role: _("%(person)s is already the %(role)s.") % {"person": person(user), "role": ROLE_NAMES[role]}}
            )
        with in_site_language():
            params = {"person": person(user), "role": ROLE_NAMES[role]}
            if current:
                text = _("%(person)s is now the %(role)s (was %(previous)s)") % {**params, "previous": person(current)}
            else:
                text = _("%(person)s is now the %(role)s") % params
    setattr(incident, role, user)
    incident.save(update_fields=[role, "updated_at", *count_change(incident, by=by)])
    entry = _log(
        incident, text, by=by, role=role, previous=current.pk if current else None, user=user.pk if user else None
    )
    if user is not None:
        role_assigned.send(sender=Incident, incident=incident, role=role, user=user, by=by, entry=entry)
    return entry


def _add_responder(
    incident: Incident, *, user: User, page: bool, by: Actor, field: str, page_field: str = "page"
) -> TimelineEntry:
    _active(user, field)
    if incident.responders.filter(pk=user.pk).exists():
        raise ValidationError({field: _("%(person)s is already a responder.") % {"person": person(user)}})
    if page and not incident.is_open:
        raise ValidationError(
            {
                page_field: _("%(reference)s is %(status)s: add them without paging.")
                % {"reference": incident.reference, "status": incident.get_status_display().lower()}
            }
        )
    incident.responders.add(user)
    _touch(incident, by=by)
    with in_site_language():
        if page:
            text = _("Added %(person)s as a responder, paging them") % {"person": person(user)}
        else:
            text = _("Added %(person)s as a responder") % {"person": person(user)}
    entry = _log(incident, text, by=by, role="responder", user=user.pk, page=page)
    responder_added.send(sender=Incident, incident=incident, user=user, page=page, by=by, entry=entry)
    return entry


def _remove_responder(incident: Incident, *, user: User, by: Actor, field: str) -> TimelineEntry:
    if not incident.responders.filter(pk=user.pk).exists():
        raise ValidationError({field: _("%(person)s is not a responder.") % {"person": person(user)}})
    incident.responders.remove(user)
    _touch(incident, by=by)
    with in_site_language():
        text = _("Removed %(person)s from the responders") % {"person": person(user)}
    return _log(incident, text, by=by, role="responder", user=user.pk)


@transaction.atomic
def incident_hand_over_command(incident: Incident, *, by: Actor, to: User, note: str = "") -> TimelineEntry:
    """Command passes from the current commander to `to`, in one step: logged, and both are notified."""
    incident = lock_incident(incident)
    _open_for_roles(incident)
    return _hand_over(incident, to=to, by=by, note=note, field="to")


@transaction.atomic
def incident_assign_role(incident: Incident, *, by: Actor, role: str, user: User | None) -> TimelineEntry:
    """Give `role` (communications lead or scribe) to `user`, or take it from its holder with None."""
    incident = lock_incident(incident)
    _open_for_roles(incident)
    return _assign(incident, role=role, user=user, by=by)


@transaction.atomic
def incident_add_responder(incident: Incident, *, by: Actor, user: User, page: bool = True) -> TimelineEntry:
    """Add a responder; with `page`, paging pages them now (through the outbox)."""
    incident = lock_incident(incident)
    _open_for_roles(incident)
    return _add_responder(incident, user=user, page=page, by=by, field="user")


@transaction.atomic
def incident_remove_responder(incident: Incident, *, by: Actor, user: User) -> TimelineEntry:
    incident = lock_incident(incident)
    _open_for_roles(incident)
    return _remove_responder(incident, user=user, by=by, field="user")


@transaction.atomic
def incident_set_roles(
    incident: Incident,
    *,
    by: Actor,
    roles: Mapping[str, User | None] | None = None,
    responders: Iterable[User] | None = None,
    page_new_responders: bool = True,
    note: str = "",
) -> Incident:
    """Set several roles at once (the API's PUT): only what differs is changed, each change logged as its
    own timeline entry with its hook (a new commander is a hand-over). All or nothing."""
    incident = lock_incident(incident)
    _open_for_roles(incident)
    for role, user in (roles or {}).items():
        if role not in ROLE_NAMES:
            raise ValidationError({"role": _unknown_role(role)})
        current: User | None = getattr(incident, role)
        if (current.pk if current else None) == (user.pk if user else None):
            continue
        if role == COMMANDER and user is not None:
            _hand_over(incident, to=user, by=by, note=note, field=role)
        else:
            _assign(incident, role=role, user=user, by=by)
    if responders is not None:
        wanted = {user.pk: user for user in responders}
        current_ids = set(incident.responders.values_list("pk", flat=True))
        for user in sorted(wanted.values(), key=lambda u: u.get_username()):
            if user.pk not in current_ids:
                _add_responder(
                    incident,
                    user=user,
                    page=page_new_responders,
                    by=by,
                    field="responders",
                    page_field="page_new_responders",
                )
        gone = incident.responders.exclude(pk__in=list(wanted)).order_by("username")
        for user in list(gone):
            _remove_responder(incident, user=user, by=by, field="responders")
    return incident
