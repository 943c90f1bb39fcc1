"""Reads of paging for the cockpit: an incident's timers and the messages sent about it."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from incidents.models import Incident
from incidents.outbox.models import Notification
from incidents.outbox.services import notifications_about
from incidents.paging.models import EscalationPolicy, EscalationStep, Rotation, RotationMember, RotationOverride
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
