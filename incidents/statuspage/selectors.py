"""The public status page, read side: what is public and the effective statuses. The JSON shape is in v2.py.

Only public incidents, their published updates, components and maintenances are read here; nothing
internal (references, people, severities, notes, tickets) is ever put into a public payload.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db.models import Max, Prefetch, QuerySet
from django.utils import timezone

from incidents.models import OPEN_STATUSES, Component, ComponentStatus, Incident, PublicImpact
from incidents.statuspage.models import (
    ACTIVE_MAINTENANCE_STATUSES,
    MaintenanceStatus,
    MaintenanceUpdate,
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
UNRESOLVED_PUBLIC_STATUSES = (
    PublicIncidentStatus.INVESTIGATING,
    PublicIncidentStatus.IDENTIFIED,
    PublicIncidentStatus.MONITORING,
)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


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


def worst_status(*statuses: str) -> str:
    """The worst of component statuses (maintenance ranks below any outage)."""
    return max(statuses, key=lambda status: COMPONENT_RANK[ComponentStatus(status)])


def incident_raises_to(incident: Incident) -> str:
    """The component status an active public incident raises its components to: its public impact."""
    return COMPONENT_STATUS_FOR_IMPACT[PublicImpact(incident.public_impact)]


def raised_statuses(incidents: Sequence[Incident], maintenances: Sequence[ScheduledMaintenance]) -> dict[int, str]:
    """Per component pk, the status the active public incidents and maintenances raise it to (worst wins);
    components none of them touches are absent."""
    raised: dict[int, str] = {}

    def raise_to(pk: int, status: str) -> None:
        raised[pk] = worst_status(raised.get(pk, ComponentStatus.OPERATIONAL), status)

    for incident in incidents:
        derived = incident_raises_to(incident)
        for component in incident.components.all():
            raise_to(component.pk, derived)
    for maintenance in maintenances:
        for component in maintenance.components.all():
            raise_to(component.pk, ComponentStatus.UNDER_MAINTENANCE)
    return raised


def effective_component_statuses(
    components: Sequence[Component], incidents: Sequence[Incident], maintenances: Sequence[ScheduledMaintenance]
) -> dict[int, str]:
    """The status shown per component: the one set by hand, raised by the active public incidents
    affecting it (their impact) and by maintenance in progress. Worst wins."""
    raised = raised_statuses(incidents, maintenances)
    return {c.pk: worst_status(str(c.status), raised.get(c.pk, ComponentStatus.OPERATIONAL)) for c in components}


@dataclass(frozen=True)
class ComponentOutlook:
    """One component in the cockpit's publish form: its stored status, what the public sees now, and
    what the public will see once the form is published (recomputed in the browser as choices change)."""

    component: Component
    stored: str
    now: str
    after: str
    raised_by_others: str  # by the other active public incidents and maintenance; unchanged by publishing
    affected: bool  # this incident names the component already
    selected: str  # the form's choice for it: "" keeps the stored status

    @property
    def stored_label(self) -> str:
        return str(ComponentStatus(self.stored).label)

    @property
    def now_label(self) -> str:
        return str(ComponentStatus(self.now).label)

    @property
    def after_label(self) -> str:
        return str(ComponentStatus(self.after).label)


def status_after_publishing(
    *,
    stored: str,
    selected: str,
    raised_by_others: str,
    affected: bool,
    incident_public: bool,
    public_status: str,
    raises_to: str,
) -> str:
    """A component's public status once an update is published. The update sets the component (when
    chosen), names it on the incident, and leaves the incident active (raising its components) unless
    it resolves it. publish.js computes the same in the browser."""
    status = worst_status(selected or stored, raised_by_others)
    stays_active = public_status in UNRESOLVED_PUBLIC_STATUSES
    if incident_public and stays_active and (affected or selected):
        status = worst_status(status, raises_to)
    return status


def publish_outlook(
    incident: Incident, components: Sequence[Component], *, public_status: str, selected: dict[int, str]
) -> list[ComponentOutlook]:
    """Per component: stored, effective now (the public API's computation) and after publishing."""
    # The same rows page_state() reads, without the public updates the page also shows.
    active = list(
        Incident.objects.filter(public=True, status__in=OPEN_STATUSES)
        .select_related("severity")
        .prefetch_related(Prefetch("components", queryset=Component.objects.only("pk")))
    )
    maintenances = list(
        ScheduledMaintenance.objects.filter(status__in=ACTIVE_MAINTENANCE_STATUSES).prefetch_related(
            Prefetch("components", queryset=Component.objects.only("pk"))
        )
    )
    now = effective_component_statuses(components, active, maintenances)
    others = raised_statuses([i for i in active if i.pk != incident.pk], maintenances)
    affected = {c.pk for c in incident.components.all()}
    raises_to = incident_raises_to(incident)
    rows = []
    for component in components:
        raised = others.get(component.pk, ComponentStatus.OPERATIONAL)
        choice = selected.get(component.pk, "")
        after = status_after_publishing(
            stored=str(component.status),
            selected=choice,
            raised_by_others=raised,
            affected=component.pk in affected,
            incident_public=incident.public,
            public_status=public_status,
            raises_to=raises_to,
        )
        rows.append(
            ComponentOutlook(
                component=component,
                stored=str(component.status),
                now=now[component.pk],
                after=after,
                raised_by_others=raised,
                affected=component.pk in affected,
                selected=choice,
            )
        )
    return rows


def page_updated_at() -> datetime:
    """When anything shown on the page last changed."""
    moments = [
        Component.objects.aggregate(at=Max("updated_at"))["at"],
        StatusUpdate.objects.filter(published=True, incident__public=True).aggregate(at=Max("updated_at"))["at"],
        Incident.objects.filter(public=True).aggregate(at=Max("updated_at"))["at"],
        ScheduledMaintenance.objects.aggregate(at=Max("updated_at"))["at"],
    ]
    return max((m for m in moments if m is not None), default=EPOCH)


def recent_incidents(limit: int = HISTORY_LIMIT) -> list[Incident]:
    return list(public_incidents()[:limit])


def public_incident_or_maintenance(public_id: str) -> Incident | ScheduledMaintenance | None:
    incident = public_incidents().filter(public_id=public_id).first()
    if incident is not None:
        return incident
    return public_maintenances().filter(public_id=public_id).first()
