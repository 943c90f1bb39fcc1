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


def board_incidents(now: datetime | None = None) -> list[Incident]:
    """The open incidents for the live board, most severe and oldest first, with their SLA state."""
    incidents = incidents_with_sla(now).filter(status__in=OPEN_STATUSES)
    return list(incidents.order_by("severity__level", "started_at"))  # type: ignore[misc]
