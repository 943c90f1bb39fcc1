"""Reads shared by the admin, the API and reports."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import BooleanField as BooleanFieldType
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    Prefetch,
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


def open_incident_counts_by_severity_and_status() -> list[tuple[str, str, int]]:
    """(severity level, status, count) of the open incidents, in one aggregate query (the metrics)."""
    rows = (
        Incident.objects.filter(status__in=OPEN_STATUSES)
        .values_list("severity__level", "status")
        .annotate(count=Count("pk"))
        .order_by("severity__level", "status")
    )
    return [(level, status, count) for level, status, count in rows]


def unacknowledged_past_target_counts(now: datetime | None = None) -> dict[str, int]:
    """Open incidents nobody has acknowledged although their response target has passed, per severity level
    (the metrics: an SLA breached with nobody acknowledging)."""
    now = now or timezone.now()
    rows = (
        with_sla_due(Incident.objects.filter(status__in=OPEN_STATUSES, acknowledged_at__isnull=True))
        .filter(sla_ack_due__lt=Value(now))  # type: ignore[misc]
        .values_list("severity__level")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return dict(rows)


def incident_detail(pk: int) -> Incident:
    return (
        Incident.objects.select_related(
            "severity", "commander", "communications_lead", "scribe", "reporter", "acknowledged_by"
        )
        .prefetch_related("components", Prefetch("responders", queryset=User.objects.order_by("username")))
        .get(pk=pk)
    )


def incident_with_roles(pk: int) -> Incident:
    """The incident with its role holders and responders, in two queries."""
    return (
        Incident.objects.select_related("commander", "communications_lead", "scribe")
        .prefetch_related(Prefetch("responders", queryset=User.objects.order_by("username")))
        .get(pk=pk)
    )


def active_people() -> list[User]:
    """Who can be given a role or paged: active users, by username."""
    return list(User.objects.filter(is_active=True).order_by("username"))


def incident_timeline(incident: Incident):
    return incident.timeline.select_related("author").order_by("-at", "-id")


def incident_checklist(incident: Incident):
    return incident.checklist.select_related("done_by").order_by("position")


def incident_search(text: str, *, limit: int) -> list[Incident]:
    """Incidents whose reference or title contains every word of `text` (all open incidents for no text):
    an exact reference first, then open ones, newest first. One query."""
    incidents = Incident.objects.select_related("severity")
    words = text.split()
    for word in words:
        incidents = incidents.filter(Q(reference__icontains=word) | Q(title__icontains=word))
    if not words:
        incidents = incidents.filter(status__in=OPEN_STATUSES)
    exact = Q(reference__iexact=text.strip()) if words else Q(pk__in=[])
    return list(
        incidents.annotate(
            exact=Case(When(exact, then=Value(0)), default=Value(1)),
            closed=Case(When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1)),
        ).order_by("exact", "closed", "-started_at", "-pk")[:limit]
    )


def board_incidents(now: datetime | None = None) -> list[Incident]:
    """The open incidents for the live board, most severe and oldest first, with their SLA state."""
    incidents = incidents_with_sla(now).filter(status__in=OPEN_STATUSES)
    return list(incidents.order_by("severity__level", "started_at"))  # type: ignore[misc]
