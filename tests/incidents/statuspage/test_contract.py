"""Contract of /status/api/v2/: the paths, field names, nesting and enums of Statuspage's public API,
checked against a fixture written from its documentation (fixtures/statuspage_summary.json)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone

from incidents import services
from incidents.models import ComponentStatus
from incidents.statuspage import services as status_services
from incidents.statuspage.http import drop_status_cache
from incidents.statuspage.models import MaintenanceStatus
from tests.factories import ComponentFactory, IncidentFactory

pytestmark = pytest.mark.django_db

DOC = json.loads((Path(__file__).parent / "fixtures" / "statuspage_summary.json").read_text())
PAGE_KEYS = set(DOC["page"])
COMPONENT_KEYS = set(DOC["components"][0])
INCIDENT_KEYS = set(DOC["incidents"][0])
UPDATE_KEYS = set(DOC["incidents"][0]["incident_updates"][0])
AFFECTED_KEYS = set(DOC["incidents"][0]["incident_updates"][0]["affected_components"][0])
MAINTENANCE_KEYS = set(DOC["scheduled_maintenances"][0])

INDICATORS = {"none", "minor", "major", "critical", "maintenance"}
COMPONENT_STATUSES = {"operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"}
INCIDENT_STATUSES = {"investigating", "identified", "monitoring", "resolved", "postmortem"}
IMPACTS = {"none", "minor", "major", "critical"}
MAINTENANCE_STATUSES = {"scheduled", "in_progress", "verifying", "completed"}


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def get(client, path: str) -> dict:
    response = client.get(f"/status/api/v2/{path}")
    assert response.status_code == 200, path
    assert response["Content-Type"] == "application/json"
    return response.json()


def assert_timestamp(value: str | None, nullable: bool = True) -> None:
    if value is None:
        assert nullable
        return
    parsed = datetime.fromisoformat(value)
    assert parsed.utcoffset() is not None, value


def check_component(component: dict) -> None:
    # A group is listed as a component too, with the ids of its members.
    assert set(component) == (COMPONENT_KEYS | {"components"} if component["group"] else COMPONENT_KEYS)
    assert component["status"] in COMPONENT_STATUSES
    assert isinstance(component["id"], str)
    assert isinstance(component["position"], int)
    assert isinstance(component["group"], bool)
    assert_timestamp(component["created_at"], nullable=False)


def check_update(update: dict, incident_id: str) -> None:
    assert set(update) == UPDATE_KEYS
    assert update["incident_id"] == incident_id
    for key in ("created_at", "updated_at", "display_at"):
        assert_timestamp(update[key], nullable=False)
    for row in update["affected_components"] or []:
        assert set(row) == AFFECTED_KEYS
        assert {row["old_status"], row["new_status"]} <= COMPONENT_STATUSES


def check_incident(incident: dict, page: dict) -> None:
    assert set(incident) == INCIDENT_KEYS
    assert incident["status"] in INCIDENT_STATUSES
    assert incident["impact"] in IMPACTS
    assert incident["page_id"] == page["id"]
    assert incident["shortlink"].endswith(f"/incidents/{incident['id']}")
    for key in ("created_at", "updated_at", "started_at", "monitoring_at", "resolved_at"):
        assert_timestamp(incident[key])
    for component in incident["components"]:
        check_component(component)
    shown = [u["display_at"] for u in incident["incident_updates"]]
    assert shown == sorted(shown, reverse=True), "incident_updates newest first"
    for update in incident["incident_updates"]:
        check_update(update, incident["id"])


def check_maintenance(maintenance: dict) -> None:
    assert set(maintenance) == MAINTENANCE_KEYS
    assert maintenance["status"] in MAINTENANCE_STATUSES
    assert_timestamp(maintenance["scheduled_for"], nullable=False)
    assert_timestamp(maintenance["scheduled_until"], nullable=False)
    for update in maintenance["incident_updates"]:
        check_update(update, maintenance["id"])


@pytest.fixture
def page_data(commander, severities):
    """Two components, an active public P2 with two updates, a resolved public P3, a private P1, and
    maintenances scheduled, in progress and completed."""
    now = timezone.now()
    api = ComponentFactory.create(name="API", group="Platform", position=1)
    db = ComponentFactory.create(name="Database", group="Infrastructure", position=1)
    active = IncidentFactory.create(
        by=commander,
        level="P2",
        public=True,
        title="Elevated API errors",
        components=[api],
        started_at=now - timedelta(minutes=30),
    )
    status_services.status_update_publish(active, status="investigating", body="Looking.", by=commander)
    status_services.status_update_publish(
        active,
        status="identified",
        body="Found it.",
        by=commander,
        component_statuses={api: ComponentStatus.DEGRADED_PERFORMANCE},
    )
    past = IncidentFactory.create(
        by=commander, level="P3", public=True, title="Slow email", started_at=now - timedelta(days=2)
    )
    status_services.status_update_publish(past, status="resolved", body="Fixed.", by=commander)
    IncidentFactory.create(by=commander, level="P1", public=False, title="Private outage")
    upcoming = status_services.maintenance_create(
        name="Database upgrade",
        scheduled_for=now + timedelta(days=1),
        scheduled_until=now + timedelta(days=1, hours=2),
        by=commander,
        components=[db],
    )
    running = status_services.maintenance_create(
        name="Cache failover",
        scheduled_for=now - timedelta(minutes=5),
        scheduled_until=now + timedelta(hours=1),
        by=commander,
        status=MaintenanceStatus.IN_PROGRESS,
        components=[db],
    )
    done = status_services.maintenance_create(
        name="Old work",
        scheduled_for=now - timedelta(days=3),
        scheduled_until=now - timedelta(days=3, hours=-1),
        by=commander,
        status=MaintenanceStatus.COMPLETED,
    )
    return {
        "api": api,
        "db": db,
        "active": active,
        "past": past,
        "upcoming": upcoming,
        "running": running,
        "done": done,
    }


def test_summary_has_the_statuspage_shape(client, page_data):
    data = get(client, "summary.json")
    assert list(data) == ["page", "status", "components", "incidents", "scheduled_maintenances"]
    assert set(data["page"]) == PAGE_KEYS
    assert data["page"]["time_zone"] == "Etc/UTC"
    assert set(data["status"]) == {"indicator", "description"}
    # The P2 (major) is the worst: worse than the degraded API and the maintenance.
    assert data["status"] == {"indicator": "major", "description": "Partial System Outage"}
    for component in data["components"]:
        check_component(component)
    assert [i["id"] for i in data["incidents"]] == [page_data["active"].public_id]  # unresolved only
    for incident in data["incidents"]:
        check_incident(incident, data["page"])
    incident = data["incidents"][0]
    assert incident["status"] == "identified"
    assert incident["impact"] == "major"
    assert [u["status"] for u in incident["incident_updates"]] == ["identified", "investigating"]
    assert incident["incident_updates"][0]["affected_components"] == [
        {
            "code": page_data["api"].public_id,
            "name": "API",
            "old_status": "operational",
            "new_status": "degraded_performance",
        }
    ]
    assert incident["incident_updates"][1]["affected_components"] is None
    # upcoming or in progress only, soonest first
    assert [m["id"] for m in data["scheduled_maintenances"]] == [
        page_data["running"].public_id,
        page_data["upcoming"].public_id,
    ]
    for maintenance in data["scheduled_maintenances"]:
        check_maintenance(maintenance)


def test_component_status_is_the_worst_of_hand_set_incidents_and_maintenance(client, page_data):
    listed = get(client, "components.json")["components"]
    components = {c["name"]: c for c in listed if not c["group"]}
    groups = {c["name"]: c for c in listed if c["group"]}
    # Set to degraded by hand, but the active P2 (major impact) affects it: partial outage wins.
    assert components["API"]["status"] == "partial_outage"
    # Maintenance in progress on the database.
    assert components["Database"]["status"] == "under_maintenance"
    # Groups come first, name their members, and show the worst member's status.
    assert groups["Platform"]["components"] == [components["API"]["id"]]
    assert components["API"]["group_id"] == groups["Platform"]["id"]
    assert groups["Platform"]["status"] == "partial_outage"
    assert groups["Infrastructure"]["status"] == "under_maintenance"
    assert components["Database"]["group_id"] == groups["Infrastructure"]["id"]
    assert [c["name"] for c in listed] == ["Infrastructure", "Database", "Platform", "API"]


def test_status_json(client, page_data):
    data = get(client, "status.json")
    assert list(data) == ["page", "status"]
    assert data["status"]["indicator"] == "major"


def test_all_clear_and_maintenance_indicators(client, commander, severities):
    ComponentFactory.create(name="API")
    assert get(client, "status.json")["status"] == {"indicator": "none", "description": "All Systems Operational"}
    db = ComponentFactory.create(name="DB")
    now = timezone.now()
    status_services.maintenance_create(
        name="Upgrade",
        scheduled_for=now,
        scheduled_until=now + timedelta(hours=1),
        by=commander,
        status=MaintenanceStatus.IN_PROGRESS,
        components=[db],
    )
    drop_status_cache()
    assert get(client, "status.json")["status"] == {
        "indicator": "maintenance",
        "description": "Service Under Maintenance",
    }
    incident = IncidentFactory.create(by=commander, level="P1", public=True)
    drop_status_cache()
    assert get(client, "status.json")["status"]["indicator"] == "critical"
    services.incident_update_details(incident, by=commander, public_impact_override="minor")
    drop_status_cache()
    assert get(client, "status.json")["status"]["indicator"] == "minor"


def test_incidents_lists(client, page_data):
    recent = get(client, "incidents.json")
    assert list(recent) == ["page", "incidents"]
    assert [i["id"] for i in recent["incidents"]] == [page_data["active"].public_id, page_data["past"].public_id]
    for incident in recent["incidents"]:
        check_incident(incident, recent["page"])
    past = recent["incidents"][1]
    assert past["status"] == "resolved"
    assert past["resolved_at"] is not None
    unresolved = get(client, "incidents/unresolved.json")
    assert [i["id"] for i in unresolved["incidents"]] == [page_data["active"].public_id]


def test_postmortem_status(client, page_data, commander):
    status_services.status_update_publish(page_data["past"], status="postmortem", body="Read it.", by=commander)
    drop_status_cache()
    past = next(i for i in get(client, "incidents.json")["incidents"] if i["id"] == page_data["past"].public_id)
    assert past["status"] == "postmortem"
    assert past["incident_updates"][0]["status"] == "postmortem"


def test_incidents_json_holds_the_latest_fifty(client, commander, severities):
    for _ in range(52):
        IncidentFactory.create(by=commander, public=True)
    assert len(get(client, "incidents.json")["incidents"]) == 50


def test_maintenance_lists(client, page_data):
    every = get(client, "scheduled-maintenances.json")
    assert list(every) == ["page", "scheduled_maintenances"]
    assert {m["id"] for m in every["scheduled_maintenances"]} == {
        page_data["upcoming"].public_id,
        page_data["running"].public_id,
        page_data["done"].public_id,
    }
    for maintenance in every["scheduled_maintenances"]:
        check_maintenance(maintenance)
    upcoming = get(client, "scheduled-maintenances/upcoming.json")["scheduled_maintenances"]
    assert [(m["id"], m["status"]) for m in upcoming] == [(page_data["upcoming"].public_id, "scheduled")]
    active = get(client, "scheduled-maintenances/active.json")["scheduled_maintenances"]
    assert [(m["id"], m["status"]) for m in active] == [(page_data["running"].public_id, "in_progress")]
    assert active[0]["started_at"] is not None
    assert active[0]["impact"] == "maintenance"


def test_summary_query_count_does_not_grow(client, commander, severities, django_assert_max_num_queries):
    def add_incident_with_updates() -> None:
        component = ComponentFactory.create()
        incident = IncidentFactory.create(by=commander, level="P2", public=True, components=[component])
        for status in ("identified", "monitoring"):
            status_services.status_update_publish(
                incident,
                status=status,
                body="x",
                by=commander,
                component_statuses={component: ComponentStatus.PARTIAL_OUTAGE},
            )
        resolved = IncidentFactory.create(by=commander, public=True)
        status_services.status_update_publish(resolved, status="resolved", body="done", by=commander)
        now = timezone.now()
        status_services.maintenance_create(
            name="m",
            scheduled_for=now + timedelta(hours=1),
            scheduled_until=now + timedelta(hours=2),
            by=commander,
            components=[component],
        )

    paths = ("summary.json", "incidents.json", "scheduled-maintenances.json")
    add_incident_with_updates()
    baseline = {}
    for path in paths:
        drop_status_cache()
        with django_assert_max_num_queries(25) as few:
            get(client, path)
        baseline[path] = len(few.captured_queries)
    for _ in range(6):
        add_incident_with_updates()
    for path in paths:
        drop_status_cache()
        with django_assert_max_num_queries(baseline[path]):
            get(client, path)
    assert len(get(client, "summary.json")["incidents"]) == 7


def test_ids_reveal_no_reference(client, page_data):
    body = client.get("/status/api/v2/incidents.json").content.decode()
    assert page_data["active"].reference not in body
    assert "INC-" not in body
