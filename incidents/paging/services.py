"""Writes of paging: escalation policies with their steps, and rotations with members and overrides,
each saved whole in one transaction (a policy change re-plans the open incidents of its severity); paging
someone now; and the notices that answer the incident's roles hooks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.languages import in_site_language
from incidents.models import Incident, TimelineEntry, TimelineKind
from incidents.paging.clocks import Headline, PageTarget, enqueue_incident_message, step_targets
from incidents.paging.models import EscalationPolicy, EscalationStep, Rotation
from incidents.paging.oncall import on_call_user
from incidents.roles import person
from incidents.services import ROLE_NAMES, lock_incident, open_incidents_changed
from incidents.timeline import Actor, acting_user, timeline_append


@dataclass(frozen=True)
class RowChange:
    """One child row as edited: the row (new or existing, fields set), its many-to-many values, or removal."""

    row: models.Model
    many: dict[str, list[Any]] = field(default_factory=dict)
    delete: bool = False


def _save_children(parent: models.Model, parent_field: str, rows: Sequence[RowChange]) -> None:
    for change in rows:
        if change.delete:
            if change.row.pk is not None:
                change.row.delete()
            continue
        setattr(change.row, parent_field, parent)
        change.row.full_clean()
        change.row.save()
        for name, values in change.many.items():
            getattr(change.row, name).set(values)


@transaction.atomic
def escalation_policy_save(policy: EscalationPolicy, *, by: Actor, steps: Sequence[RowChange] = ()) -> EscalationPolicy:
    """Save a policy and its steps together; the open incidents of its severity re-plan their escalation
    (a new step already past fires at the next tick, once; a removed step is cancelled)."""
    policy.full_clean()
    policy.save()
    _save_children(policy, "policy", steps)
    open_incidents_changed(policy.severity_id)
    return policy


@transaction.atomic
def rotation_save(
    rotation: Rotation, *, by: Actor, members: Sequence[RowChange] = (), overrides: Sequence[RowChange] = ()
) -> Rotation:
    """Save a rotation with its members and overrides; who is on call is read when a step fires."""
    rotation.full_clean()
    rotation.save()
    _save_children(rotation, "rotation", members)
    _save_children(rotation, "rotation", overrides)
    return rotation


@transaction.atomic
def escalation_policy_delete(policy: EscalationPolicy, *, by: Actor) -> None:
    severity_id = policy.severity_id
    policy.delete()
    open_incidents_changed(severity_id)


@transaction.atomic
def rotation_delete(rotation: Rotation, *, by: Actor) -> None:
    rotation.delete()


# Paging people now, outside the escalation schedule, and the notices that answer the roles hooks.


def _who(by: Actor) -> str:
    user = acting_user(by)
    return person(user) if user is not None else "Warroom"


def _page(incident: Incident, targets: Sequence[User | str], headline: Headline, dedupe_key: str) -> None:
    """One message per target, each in its recipient's language (`headline()` is rendered in it)."""
    enqueue_incident_message(incident, list(targets), headline, dedupe_key)


# The same page (same sender, target and reason) asked for again this soon is a double click or a retried
# request: the page already sent stands, and nobody is paged twice.
PAGE_REPEAT_WINDOW = timedelta(seconds=60)


@transaction.atomic
def page_now(
    incident: Incident,
    *,
    by: Actor,
    reason: str,
    user: User | None = None,
    rotation: Rotation | None = None,
    tier: EscalationStep | None = None,
) -> TimelineEntry:
    """Page one person, whoever is on call in a rotation, or every target of an escalation tier, now: one
    outbox row per target, logged on the incident's timeline with the reason. Give exactly one target."""
    given = [name for name, value in (("user", user), ("rotation", rotation), ("tier", tier)) if value is not None]
    if len(given) != 1:
        raise ValidationError({"target": _("Choose one person, rotation or escalation tier to page.")})
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Say why you are paging: the reason goes in the page and the log.")})
    incident = lock_incident(incident)
    if not incident.is_open:
        raise ValidationError(
            _("%(reference)s is %(status)s: nobody is paged.")
            % {"reference": incident.reference, "status": incident.get_status_display().lower()}
        )
    targets: list[PageTarget]
    if user is not None:
        if not user.is_active:
            raise ValidationError({"user": _("%(person)s is not an active user.") % {"person": person(user)}})
        targets = [PageTarget(user, _("named"))]
        data: dict[str, Any] = {"target": "user", "user": user.pk}
    elif rotation is not None:
        on_call = on_call_user(rotation)
        if on_call is None:
            raise ValidationError(
                {"rotation": _("Nobody is on call in %(rotation)s now (it has no members).") % {"rotation": rotation}}
            )
        targets = [PageTarget(on_call, _("on call in %(rotation)s") % {"rotation": rotation})]
        data = {"target": "rotation", "rotation": rotation.pk, "user": on_call.pk}
    else:
        assert tier is not None
        targets = step_targets(tier)
        if not targets:
            raise ValidationError(
                {"tier": _("The tier %(tier)s has nobody to page; add people to its step.") % {"tier": tier.tier}}
            )
        data = {"target": "tier", "tier": tier.tier, "step": tier.pk}
    repeated = _same_page_just_sent(incident, by, {**data, "reason": reason})
    if repeated is not None:
        return repeated
    # The log is shared by everyone: written in the site's language.
    with in_site_language():
        if user is not None:
            described = person(user)
        elif rotation is not None:
            described = _("%(person)s, on call in %(rotation)s") % {"person": person(on_call), "rotation": rotation}
        else:
            assert tier is not None
            described = _("tier %(tier)s (%(names)s)") % {
                "tier": tier.tier,
                "names": ", ".join(target.label for target in targets),
            }
        text = _("Paged %(described)s: %(reason)s") % {"described": described, "reason": reason}
    entry = timeline_append(incident, kind=TimelineKind.PAGE, text=text, by=by, data={**data, "reason": reason})
    Incident.objects.filter(pk=incident.pk).update(updated_at=timezone.now())
    who = _who(by)
    _page(
        incident,
        [target.target for target in targets],
        lambda: _("paged by %(who)s: %(reason)s") % {"who": who, "reason": reason},
        f"page:{entry.pk}",
    )
    return entry


def _same_page_just_sent(incident: Incident, by: Actor, data: dict[str, Any]) -> TimelineEntry | None:
    """The page logged by the same sender, to the same target, for the same reason within
    PAGE_REPEAT_WINDOW (the incident row is locked, so two requests cannot both miss it)."""
    recent = incident.timeline.filter(
        kind=TimelineKind.PAGE, author=acting_user(by), at__gte=timezone.now() - PAGE_REPEAT_WINDOW
    ).order_by("-at", "-id")
    return next((entry for entry in recent if entry.data == data), None)


def notify_command_handed_over(
    incident: Incident, *, previous: User | None, new: User, entry: TimelineEntry, **kwargs: Any
) -> None:
    """Both commanders hear of a hand-over (a `command_handed_over` receiver, in the service's transaction)."""
    people = [new] if previous is None or previous.pk == new.pk else [previous, new]

    def headline() -> str:
        if previous:
            return _("command handed over from %(previous)s to %(new)s") % {
                "previous": person(previous),
                "new": person(new),
            }
        return _("%(person)s took command") % {"person": person(new)}

    _page(incident, people, headline, f"handover:{entry.pk}")


def notify_role_assigned(incident: Incident, *, role: str, user: User, entry: TimelineEntry, **kwargs: Any) -> None:
    _page(
        incident,
        [user],
        lambda: _("you are now the %(role)s") % {"role": ROLE_NAMES.get(role, role)},
        f"role:{entry.pk}",
    )


def page_added_responder(
    incident: Incident, *, user: User, page: bool, by: Actor, entry: TimelineEntry, **kwargs: Any
) -> None:
    """A responder added with "page them" is paged now."""
    if page:
        who = _who(by)
        _page(incident, [user], lambda: _("%(who)s added you as a responder") % {"who": who}, f"responder:{entry.pk}")
