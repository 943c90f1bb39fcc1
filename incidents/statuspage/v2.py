"""The Statuspage v2 public format: one module turns the page state into the documents served under
`api/v2/` (field names, nesting and enums as Atlassian's, so existing clients read them unchanged)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from incidents.models import OPEN_STATUSES, Component, ComponentStatus, Incident
from incidents.statuspage.hosts import page_base_url, shortlink
from incidents.statuspage.models import MaintenanceUpdate, ScheduledMaintenance, StatusUpdate
from incidents.statuspage.selectors import (
    COMPONENT_RANK,
    HISTORY_LIMIT,
    PageState,
    public_maintenances,
    public_status_of,
    recent_incidents,
)

INDICATOR_DESCRIPTION = {
    "none": "All Systems Operational",
    "maintenance": "Service Under Maintenance",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major Service Outage",
}


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with offset, in UTC, to the millisecond (as Statuspage sends it)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds") if moment is not None else None


def page_id() -> str:
    """A stable short id for the page: derived from its public URL, it reveals nothing else."""
    return hashlib.sha256(settings.STATUS_PAGE_URL.encode()).hexdigest()[:12]


def page_json(state: PageState) -> dict[str, Any]:
    return {
        "id": page_id(),
        "name": settings.STATUS_PAGE_NAME,
        "url": page_base_url(),
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
        "showcase": component.uptime_enabled,  # Statuspage: shown with its uptime bars
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
        "deliver_notifications": update.deliver_notifications,
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


# Subscriber webhooks (Statuspage's shapes): `meta` and `page`, then the incident or the component change.
WEBHOOK_DOCUMENTATION = "https://support.atlassian.com/statuspage/docs/enable-webhook-notifications/"


def webhook_head(state: PageState, unsubscribe_url: str) -> dict[str, Any]:
    status = status_json(state)
    return {
        "meta": {"unsubscribe": unsubscribe_url, "documentation": WEBHOOK_DOCUMENTATION},
        "page": {
            "id": page_id(),
            "status_indicator": status["indicator"],
            "status_description": status["description"],
        },
    }


def webhook_incident(incident: Incident, state: PageState) -> dict[str, Any]:
    return {**incident_json(incident, state), "backfilled": False}


def webhook_maintenance(maintenance: ScheduledMaintenance, state: PageState) -> dict[str, Any]:
    """Statuspage sends a maintenance's updates as an `incident` event, with `impact: maintenance`."""
    return {**maintenance_json(maintenance, state), "backfilled": False}


def webhook_component_change(
    component: Component, old_status: str, new_status: str, at: datetime, change_id: str
) -> dict[str, Any]:
    return {
        "component_update": {
            "created_at": iso(at),
            "new_status": new_status,
            "old_status": old_status,
            "id": change_id,
            "component_id": component.public_id,
        },
        "component": {
            "created_at": iso(component.created_at),
            "id": component.public_id,
            "name": component.name,
            "status": new_status,
        },
    }
