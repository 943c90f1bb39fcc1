"""Reads shared by the admin, the API and reports."""

from __future__ import annotations

from datetime import datetime

from django.db.models import BooleanField as BooleanFieldType
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from incidents.models import OPEN_STATUSES, Incident, SeverityPolicy


def with_sla_due(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    """Annotate `sla_ack_due` and `sla_resolve_due` (null for best effort): start + the severity's targets."""
    return incidents.annotate(
        sla_ack_due=ExpressionWrapper(F("started_at") + F("severity__response_target"), output_field=DateTimeField()),
        sla_resolve_due=ExpressionWrapper(
            F("started_at") + F("severity__resolution_target"), output_field=DateTimeField()
        ),
    )


def incidents_with_sla(now: datetime | None = None) -> QuerySet[Incident]:
    """Incidents annotated with their SLA due times and breach flag, computed in the database."""
    now = now or timezone.now()
    ack_breached = Q(acknowledged_at__isnull=True, sla_ack_due__lt=Value(now)) | Q(acknowledged_at__gt=F("sla_ack_due"))
    resolve_breached = Q(sla_resolve_due__isnull=False) & (
        Q(resolved_at__isnull=True, sla_resolve_due__lt=Value(now)) | Q(resolved_at__gt=F("sla_resolve_due"))
    )
    return with_sla_due(Incident.objects.select_related("severity", "commander")).annotate(
        sla_breached=Case(
            When(ack_breached | resolve_breached, then=Value(True)),
            default=Value(False),
            output_field=BooleanFieldType(),
        )
    )


def open_incidents() -> QuerySet[Incident]:
    return incidents_with_sla().filter(status__in=OPEN_STATUSES)


def open_incident_counts_by_severity() -> list[dict]:
    """One row per severity policy, with its open and breached counts (admin index)."""
    breached_ids = open_incidents().filter(sla_breached=True).values("pk")  # type: ignore[misc]
    rows = SeverityPolicy.objects.annotate(
        open_count=Count("incidents", filter=Q(incidents__status__in=OPEN_STATUSES)),
        breached_count=Count("incidents", filter=Q(incidents__pk__in=breached_ids)),
    ).order_by("level")
    return [
        {"policy": row, "open": row.open_count, "breached": row.breached_count}  # type: ignore[attr-defined]
        for row in rows
    ]


def breached_open_incidents(limit: int = 20) -> list[Incident]:
    return list(open_incidents().filter(sla_breached=True).order_by("started_at")[:limit])  # type: ignore[misc]


def incident_detail(pk: int) -> Incident:
    return (
        Incident.objects.select_related("severity", "commander", "reporter", "acknowledged_by")
        .prefetch_related("components", "responders")
        .get(pk=pk)
    )


def incident_timeline(incident: Incident):
    return incident.timeline.select_related("author").order_by("-at", "-id")


def incident_checklist(incident: Incident):
    return incident.checklist.select_related("done_by").order_by("position")


def suggested_playbooks(incident: Incident, limit: int = 3) -> list:
    """Playbooks whose components or keywords match the incident, best match first."""
    from incidents.models import Playbook

    text = f"{incident.title} {incident.summary}".lower()
    component_ids = {c.pk for c in incident.components.all()}
    scored = []
    for playbook in Playbook.objects.prefetch_related("components"):
        score = 2 * len(component_ids & {c.pk for c in playbook.components.all()})
        score += sum(1 for word in playbook.keyword_list if word in text)
        if score:
            scored.append((score, playbook.title, playbook))
    scored.sort(key=lambda row: (-row[0], row[1]))
    return [playbook for _, _, playbook in scored[:limit]]


# Timer engine reads for the cockpit.


def incident_upcoming_timers(incident: Incident, limit: int = 20) -> list:
    from incidents.timers import kind_label, timers_for

    rows = list(
        timers_for(incident).filter(fired_at__isnull=True, cancelled_at__isnull=True).order_by("due_at")[:limit]
    )
    for row in rows:
        row.label = kind_label(row.kind)  # type: ignore[attr-defined]
    return rows


def incident_fired_timers(incident: Incident, limit: int = 50) -> list:
    from incidents.timers import kind_label, timers_for

    rows = list(timers_for(incident).filter(fired_at__isnull=False).order_by("-fired_at")[:limit])
    for row in rows:
        row.label = kind_label(row.kind)  # type: ignore[attr-defined]
    return rows


def incident_notifications(incident: Incident, limit: int = 50) -> list:
    from incidents.timer_models import Notification

    return list(Notification.objects.filter(incident=incident).select_related("user").order_by("-created_at")[:limit])
