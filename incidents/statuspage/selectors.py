"""The public status page, read side: what is public, effective statuses, and the Statuspage v2 format.

Only public incidents, their published updates, components and maintenances are read here; nothing
internal (references, people, severities, notes, tickets) is ever put into a public payload.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db.models import Max, Prefetch, QuerySet
from django.utils import timezone

from incidents.models import (
    ACTIVE_MAINTENANCE_STATUSES,
    OPEN_STATUSES,
    Component,
    ComponentStatus,
    Incident,
    MaintenanceStatus,
    MaintenanceUpdate,
    PublicImpact,
    PublicIncidentStatus,
    ScheduledMaintenance,
    StatusUpdate,
    StatusUpdateComponent,
)

HISTORY_LIMIT = 50

# Worst wins. Maintenance ranks below any outage: an outage during maintenance is still an outage.
COMPONENT_RANK = {
    ComponentStatus.OPERATIONAL: 0,
    ComponentStatus.UNDER_MAINTENANCE: 1,
    ComponentStatus.DEGRADED_PERFORMANCE: 2,
    ComponentStatus.PARTIAL_OUTAGE: 3,
    ComponentStatus.MAJOR_OUTAGE: 4,
}
COMPONENT_STATUS_FOR_IMPACT = {
    PublicImpact.NONE: ComponentStatus.OPERATIONAL,
    PublicImpact.MINOR: ComponentStatus.DEGRADED_PERFORMANCE,
    PublicImpact.MAJOR: ComponentStatus.PARTIAL_OUTAGE,
    PublicImpact.CRITICAL: ComponentStatus.MAJOR_OUTAGE,
}
INDICATOR_FOR_COMPONENT_STATUS = {
    ComponentStatus.OPERATIONAL: "none",
    ComponentStatus.UNDER_MAINTENANCE: "maintenance",
    ComponentStatus.DEGRADED_PERFORMANCE: "minor",
    ComponentStatus.PARTIAL_OUTAGE: "major",
    ComponentStatus.MAJOR_OUTAGE: "critical",
}
INDICATOR_RANK = {"none": 0, "maintenance": 1, "minor": 2, "major": 3, "critical": 4}
INDICATOR_DESCRIPTION = {
    "none": "All Systems Operational",
    "maintenance": "Service Under Maintenance",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major Service Outage",
}
UNRESOLVED_PUBLIC_STATUSES = (
    PublicIncidentStatus.INVESTIGATING,
    PublicIncidentStatus.IDENTIFIED,
    PublicIncidentStatus.MONITORING,
)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with offset, in UTC, to the millisecond (as Statuspage sends it)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds") if moment is not None else None


def page_id() -> str:
    """A stable short id for the page: derived from its public URL, it reveals nothing else."""
    return hashlib.sha256(settings.STATUS_PAGE_URL.encode()).hexdigest()[:12]


def status_page_url() -> str:
    return settings.STATUS_PAGE_URL.rstrip("/")


def shortlink(public_id: str) -> str:
    return f"{status_page_url()}/incidents/{public_id}"


# Selectors
def public_incidents() -> QuerySet[Incident]:
    """Public incidents with everything the public format needs, in a fixed number of queries."""
    affected = StatusUpdateComponent.objects.select_related("component").order_by("id")
    published = (
        StatusUpdate.objects.filter(published=True)
        .prefetch_related(Prefetch("affected_components", queryset=affected))
        .order_by("-display_at", "-id")
    )
    return (
        Incident.objects.filter(public=True)
        .select_related("severity")
        .prefetch_related(
            Prefetch("components", queryset=Component.objects.order_by("group", "position", "name")),
            Prefetch("status_updates", queryset=published, to_attr="public_updates"),
        )
        .order_by("-started_at", "-id")
    )


def public_maintenances() -> QuerySet[ScheduledMaintenance]:
    return ScheduledMaintenance.objects.prefetch_related(
        Prefetch("components", queryset=Component.objects.order_by("group", "position", "name")),
        Prefetch("updates", queryset=MaintenanceUpdate.objects.order_by("-display_at", "-id")),
    )


def public_status_of(incident: Incident) -> str:
    """The incident's public status: its lifecycle (closed shows as resolved), or `postmortem`
    once the incident is over and a post-mortem update has been published."""
    if incident.status in OPEN_STATUSES:
        return str(incident.status)
    updates: list[StatusUpdate] = getattr(incident, "public_updates", [])
    if any(update.status == PublicIncidentStatus.POSTMORTEM for update in updates):
        return PublicIncidentStatus.POSTMORTEM
    return PublicIncidentStatus.RESOLVED


@dataclass
class PageState:
    """Everything the page-wide view needs, loaded once per (uncached) request."""

    components: list[Component]
    active_incidents: list[Incident]
    open_maintenances: list[ScheduledMaintenance]  # scheduled, in progress or verifying
    effective: dict[int, str] = field(default_factory=dict)  # component pk -> status shown
    updated_at: datetime = EPOCH

    @property
    def active_maintenances(self) -> list[ScheduledMaintenance]:
        return [m for m in self.open_maintenances if m.status in ACTIVE_MAINTENANCE_STATUSES]

    @property
    def upcoming_maintenances(self) -> list[ScheduledMaintenance]:
        return [m for m in self.open_maintenances if m.status == MaintenanceStatus.SCHEDULED]

    def indicator(self) -> str:
        """Worst of the unresolved incidents' impacts and the components' statuses."""
        worst = "none"
        candidates = [str(i.public_impact) for i in self.active_incidents]
        candidates += [INDICATOR_FOR_COMPONENT_STATUS[ComponentStatus(s)] for s in self.effective.values()]
        if self.active_maintenances:
            candidates.append("maintenance")
        for indicator in candidates:
            if INDICATOR_RANK[indicator] > INDICATOR_RANK[worst]:
                worst = indicator
        return worst


def page_state(now: datetime | None = None) -> PageState:
    now = now or timezone.now()
    components = list(Component.objects.order_by("group", "position", "name"))
    active = list(public_incidents().filter(status__in=OPEN_STATUSES))
    open_maintenances = list(
        public_maintenances().exclude(status=MaintenanceStatus.COMPLETED).order_by("scheduled_for", "id")
    )
    state = PageState(components=components, active_incidents=active, open_maintenances=open_maintenances)
    state.effective = effective_component_statuses(components, active, state.active_maintenances)
    state.updated_at = page_updated_at()
    return state


def effective_component_statuses(
    components: list[Component], incidents: list[Incident], maintenances: list[ScheduledMaintenance]
) -> dict[int, str]:
    """The status shown per component: the one set by hand, raised by the active public incidents
    affecting it (their impact) and by maintenance in progress. Worst wins."""
    shown = {c.pk: str(c.status) for c in components}

    def raise_to(pk: int, status: str) -> None:
        if pk in shown and COMPONENT_RANK[ComponentStatus(status)] > COMPONENT_RANK[ComponentStatus(shown[pk])]:
            shown[pk] = status

    for incident in incidents:
        derived = COMPONENT_STATUS_FOR_IMPACT[PublicImpact(incident.public_impact)]
        for component in incident.components.all():
            raise_to(component.pk, derived)
    for maintenance in maintenances:
        for component in maintenance.components.all():
            raise_to(component.pk, ComponentStatus.UNDER_MAINTENANCE)
    return shown


def page_updated_at() -> datetime:
    """When anything shown on the page last changed."""
    moments = [
        Component.objects.aggregate(at=Max("updated_at"))["at"],
        StatusUpdate.objects.filter(published=True, incident__public=True).aggregate(at=Max("updated_at"))["at"],
        Incident.objects.filter(public=True).aggregate(at=Max("updated_at"))["at"],
        ScheduledMaintenance.objects.aggregate(at=Max("updated_at"))["at"],
    ]
    return max((m for m in moments if m is not None), default=EPOCH)


# Serialisation into the Statuspage v2 format
def page_json(state: PageState) -> dict[str, Any]:
    return {
        "id": page_id(),
        "name": settings.STATUS_PAGE_NAME,
        "url": status_page_url(),
        "time_zone": "Etc/UTC",
        "updated_at": iso(state.updated_at),
    }


def status_json(state: PageState) -> dict[str, str]:
    indicator = state.indicator()
    return {"indicator": indicator, "description": INDICATOR_DESCRIPTION[indicator]}


def component_json(component: Component, state: PageState) -> dict[str, Any]:
    return {
        "id": component.public_id,
        "name": component.name,
        "status": state.effective.get(component.pk, component.status),
        "created_at": iso(component.created_at),
        "updated_at": iso(component.updated_at),
        "position": component.position,
        "description": component.description or None,
        "showcase": False,
        "start_date": None,
        # Groups are a label on the component: grouped components carry the group's name as group_id.
        "group_id": group_id(component.group) if component.group else None,
        "page_id": page_id(),
        "group": False,
        "only_show_if_degraded": False,
    }


def group_id(name: str) -> str:
    return hashlib.sha256(f"group:{name}".encode()).hexdigest()[:12]


def components_json(state: PageState) -> list[dict[str, Any]]:
    """Every component, each group first as a component of its own (`group: true`, the ids of its
    members in `components`, the worst status of its members), as Statuspage lists groups."""
    out: list[dict[str, Any]] = []
    members: dict[str, list[Component]] = {}
    for component in state.components:
        members.setdefault(component.group, []).append(component)
    for position, (name, group_members) in enumerate(members.items(), start=1):
        children = [component_json(c, state) for c in group_members]
        if name:
            worst = max((c["status"] for c in children), key=lambda status: COMPONENT_RANK[ComponentStatus(status)])
            out.append(
                {
                    "id": group_id(name),
                    "name": name,
                    "status": worst,
                    "created_at": iso(min(c.created_at for c in group_members)),
                    "updated_at": iso(max(c.updated_at for c in group_members)),
                    "position": position,
                    "description": None,
                    "showcase": False,
                    "start_date": None,
                    "group_id": None,
                    "page_id": page_id(),
                    "group": True,
                    "only_show_if_degraded": False,
                    "components": [c["id"] for c in children],
                }
            )
        out.extend(children)
    return out


def update_json(update: StatusUpdate, incident_id: str) -> dict[str, Any]:
    affected = [
        {
            "code": row.component.public_id,
            "name": row.component.name,
            "old_status": row.old_status,
            "new_status": row.new_status,
        }
        for row in update.affected_components.all()
    ]
    return {
        "id": update.public_id,
        "status": update.status,
        "body": update.body,
        "incident_id": incident_id,
        "created_at": iso(update.created_at),
        "updated_at": iso(update.updated_at),
        "display_at": iso(update.display_at),
        "affected_components": affected or None,
        "deliver_notifications": True,
        "custom_tweet": None,
        "tweet_id": None,
    }


def incident_updated_at(incident: Incident) -> datetime:
    updates: list[StatusUpdate] = getattr(incident, "public_updates", [])
    moments = [incident.declared_at, incident.identified_at, incident.monitoring_at, incident.resolved_at]
    moments += [u.updated_at for u in updates]
    return max(m for m in moments if m is not None)


def incident_json(incident: Incident, state: PageState) -> dict[str, Any]:
    updates: list[StatusUpdate] = getattr(incident, "public_updates", [])
    return {
        "id": incident.public_id,
        "name": incident.title,
        "status": public_status_of(incident),
        "impact": incident.public_impact,
        "created_at": iso(incident.declared_at),
        "updated_at": iso(incident_updated_at(incident)),
        "monitoring_at": iso(incident.monitoring_at),
        "resolved_at": iso(incident.resolved_at if incident.status not in OPEN_STATUSES else None),
        "started_at": iso(incident.started_at),
        "shortlink": shortlink(incident.public_id),
        "page_id": page_id(),
        "incident_updates": [update_json(u, incident.public_id) for u in updates],
        "components": [component_json(c, state) for c in incident.components.all()],
    }


def maintenance_update_json(update: MaintenanceUpdate, maintenance_id: str) -> dict[str, Any]:
    return {
        "id": update.public_id,
        "status": update.status,
        "body": update.body,
        "incident_id": maintenance_id,
        "created_at": iso(update.created_at),
        "updated_at": iso(update.updated_at),
        "display_at": iso(update.display_at),
        "affected_components": None,
        "deliver_notifications": True,
        "custom_tweet": None,
        "tweet_id": None,
    }


def maintenance_json(maintenance: ScheduledMaintenance, state: PageState) -> dict[str, Any]:
    return {
        "id": maintenance.public_id,
        "name": maintenance.name,
        "status": maintenance.status,
        "impact": maintenance.impact,
        "created_at": iso(maintenance.created_at),
        "updated_at": iso(maintenance.updated_at),
        "monitoring_at": iso(maintenance.monitoring_at),
        "resolved_at": iso(maintenance.resolved_at),
        "started_at": iso(maintenance.started_at),
        "scheduled_for": iso(maintenance.scheduled_for),
        "scheduled_until": iso(maintenance.scheduled_until),
        "shortlink": shortlink(maintenance.public_id),
        "page_id": page_id(),
        "incident_updates": [maintenance_update_json(u, maintenance.public_id) for u in maintenance.updates.all()],
        "components": [component_json(c, state) for c in maintenance.components.all()],
    }


# The documents served under /status/api/v2/
def summary_document(state: PageState) -> dict[str, Any]:
    return {
        "page": page_json(state),
        "status": status_json(state),
        "components": components_json(state),
        "incidents": [incident_json(i, state) for i in state.active_incidents],
        "scheduled_maintenances": [maintenance_json(m, state) for m in state.open_maintenances],
    }


def status_document(state: PageState) -> dict[str, Any]:
    return {"page": page_json(state), "status": status_json(state)}


def components_document(state: PageState) -> dict[str, Any]:
    return {"page": page_json(state), "components": components_json(state)}


def recent_incidents(limit: int = HISTORY_LIMIT) -> list[Incident]:
    return list(public_incidents()[:limit])


def incidents_document(state: PageState) -> dict[str, Any]:
    return {"page": page_json(state), "incidents": [incident_json(i, state) for i in recent_incidents()]}


def unresolved_incidents_document(state: PageState) -> dict[str, Any]:
    return {"page": page_json(state), "incidents": [incident_json(i, state) for i in state.active_incidents]}


def maintenances_document(state: PageState) -> dict[str, Any]:
    recent = public_maintenances().order_by("-scheduled_for", "-id")[:HISTORY_LIMIT]
    return {"page": page_json(state), "scheduled_maintenances": [maintenance_json(m, state) for m in recent]}


def upcoming_maintenances_document(state: PageState) -> dict[str, Any]:
    return {
        "page": page_json(state),
        "scheduled_maintenances": [maintenance_json(m, state) for m in state.upcoming_maintenances],
    }


def active_maintenances_document(state: PageState) -> dict[str, Any]:
    return {
        "page": page_json(state),
        "scheduled_maintenances": [maintenance_json(m, state) for m in state.active_maintenances],
    }


DOCUMENTS = {
    "summary": summary_document,
    "status": status_document,
    "components": components_document,
    "incidents": incidents_document,
    "incidents/unresolved": unresolved_incidents_document,
    "scheduled-maintenances": maintenances_document,
    "scheduled-maintenances/upcoming": upcoming_maintenances_document,
    "scheduled-maintenances/active": active_maintenances_document,
}


def public_incident_or_maintenance(public_id: str) -> Incident | ScheduledMaintenance | None:
    incident = public_incidents().filter(public_id=public_id).first()
    if incident is not None:
        return incident
    return public_maintenances().filter(public_id=public_id).first()
