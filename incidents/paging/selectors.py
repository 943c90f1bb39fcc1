"""Reads of paging for the cockpit: an incident's timers and the messages sent about it, and whom the
page-now form offers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import Incident
from incidents.outbox.models import Notification
from incidents.outbox.services import notifications_about
from incidents.paging.clocks import UPDATE_REMINDER
from incidents.paging.models import EscalationPolicy, EscalationStep, Rotation, RotationMember, RotationOverride
from incidents.paging.oncall import on_call_user
from incidents.roles import person
from incidents.selectors import active_people
from incidents.timers.engine import kind_label, timers_for
from incidents.timers.models import Timer


def _labelled(rows: list[Timer]) -> list[Timer]:
    for row in rows:
        row.label = kind_label(row.kind)  # type: ignore[attr-defined]
    return rows


def incident_upcoming_timers(incident: Incident, limit: int = 20) -> list[Timer]:
    pending = timers_for(incident).filter(fired_at__isnull=True, cancelled_at__isnull=True)
    return _labelled(list(pending.order_by("due_at")[:limit]))


def incident_fired_timers(incident: Incident, limit: int = 50) -> list[Timer]:
    return _labelled(list(timers_for(incident).filter(fired_at__isnull=False).order_by("-fired_at")[:limit]))


def notifications_of(incident: Incident) -> QuerySet[Notification]:
    """Every message about the incident, newest first (the outbox knows it only as the row it is about)."""
    return notifications_about(incident).select_related("user").order_by("-created_at", "-id")


def incident_notifications(incident: Incident, limit: int = 50) -> list[Notification]:
    return list(notifications_of(incident)[:limit])


def escalation_policies() -> QuerySet[EscalationPolicy]:
    steps = EscalationStep.objects.select_related("on_call_rotation").prefetch_related("users", "groups")
    return EscalationPolicy.objects.select_related("severity").prefetch_related(Prefetch("steps", queryset=steps))


def rotations_for(at: datetime) -> QuerySet[Rotation]:
    """Rotations with what `oncall.on_call_at(rotation, at)` reads prefetched: members, and the
    overrides still running at `at` or later."""
    return Rotation.objects.prefetch_related(
        Prefetch("members", queryset=RotationMember.objects.select_related("user")),
        Prefetch("overrides", queryset=RotationOverride.objects.filter(ends_at__gt=at).select_related("user")),
    ).order_by("name")


def timers_panel(incident: Incident) -> dict:
    return {
        "now": timezone.now(),
        "upcoming": incident_upcoming_timers(incident),
        "fired": incident_fired_timers(incident),
        "notifications": incident_notifications(incident),
    }


def next_update_due(incident: Incident) -> datetime | None:
    """When the runbook's next public update is due: the pending update reminder's time (the latest
    status update, or the declaration, plus the severity's cadence; see clocks.next_update_reminder)."""
    pending = timers_for(incident).filter(kind=UPDATE_REMINDER, fired_at__isnull=True, cancelled_at__isnull=True)
    return pending.order_by("due_at").values_list("due_at", flat=True).first()


def rotations_with_on_call() -> list[tuple[Rotation, Any]]:
    """Every rotation with who is on call in it now (None: nobody), members and overrides prefetched."""
    now = timezone.now()
    rotations = Rotation.objects.prefetch_related(
        Prefetch("members", queryset=RotationMember.objects.select_related("user")),
        Prefetch("overrides", queryset=RotationOverride.objects.filter(ends_at__gt=now).select_related("user")),
    ).order_by("name")
    return [(rotation, on_call_user(rotation, now)) for rotation in rotations]


def escalation_tiers() -> list[EscalationStep]:
    """Every tier of every escalation policy, by severity and offset."""
    return list(EscalationStep.objects.select_related("policy__severity").order_by("policy__severity__level", "offset"))


def page_now_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The page-now form's targets, grouped: `user:<id>`, `rotation:<id>` (who is on call now), `tier:<id>`."""
    people = [(f"user:{user.pk}", person(user)) for user in active_people()]
    rotations = [
        (
            f"rotation:{rotation.pk}",
            _("%(rotation)s: %(person)s on call now")
            % {"rotation": rotation, "person": person(user) if user else _("nobody")},
        )
        for rotation, user in rotations_with_on_call()
    ]
    tiers = [
        (f"tier:{step.pk}", f"{step.policy.severity.level} · {step.tier} ({step.policy})")
        for step in escalation_tiers()
    ]
    return [(_("Person"), people), (_("On call in a rotation"), rotations), (_("Escalation tier"), tiers)]
