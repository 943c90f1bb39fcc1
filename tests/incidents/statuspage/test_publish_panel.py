"""The cockpit's publish panel: per component, the stored status, what the public sees now (the public
API's effective status) and what it will see after publishing; and when the next update is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from incidents.models import Component, ComponentStatus
from incidents.statuspage import selectors
from incidents.statuspage import services as status_services
from incidents.statuspage.models import MaintenanceStatus
from tests.factories import ComponentFactory, IncidentFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 27, 9, 50, tzinfo=UTC)


@pytest.fixture
def scene(commander, severities):
    """Checkout: affected by this public P2. Search: stored degraded, raised by another public P1.
    Database: under maintenance in progress. Docs: untouched."""
    with time_machine.travel(T0, tick=False):
        checkout = ComponentFactory.create(name="Checkout", position=1)
        search = ComponentFactory.create(name="Search", position=2, status=ComponentStatus.DEGRADED_PERFORMANCE)
        database = ComponentFactory.create(name="Database", position=3)
        docs = ComponentFactory.create(name="Docs", position=4)
        incident = IncidentFactory.create(by=commander, level="P2", public=True, components=[checkout])
        IncidentFactory.create(by=commander, level="P1", public=True, components=[search])
        status_services.maintenance_create(
            name="Upgrade",
            scheduled_for=T0,
            scheduled_until=T0 + timedelta(hours=2),
            by=commander,
            status=MaintenanceStatus.IN_PROGRESS,
            components=[database],
        )
    return incident, {"checkout": checkout, "search": search, "database": database, "docs": docs}


def outlook(incident, status, selected=None):
    components = list(Component.objects.order_by("position"))
    rows = selectors.publish_outlook(incident, components, public_status=status, selected=selected or {})
    return {row.component.name: (row.stored, row.now, row.after) for row in rows}


def test_now_is_what_the_public_api_shows(scene):
    incident, _ = scene
    public = selectors.page_state().effective
    rows = outlook(incident, "investigating")
    assert {name: now for name, (_, now, _) in rows.items()} == {c.name: public[c.pk] for c in Component.objects.all()}
    assert rows == {
        "Checkout": ("operational", "partial_outage", "partial_outage"),
        "Search": ("degraded_performance", "major_outage", "major_outage"),
        "Database": ("operational", "under_maintenance", "under_maintenance"),
        "Docs": ("operational", "operational", "operational"),
    }


@pytest.mark.parametrize(
    ("status", "choices", "expected_after"),
    [
        ("resolved", {}, {"Checkout": "operational"}),  # resolving stops raising its components
        ("monitoring", {"docs": "degraded_performance"}, {"Docs": "partial_outage"}),  # named: raised by the P2
        ("resolved", {"docs": "degraded_performance"}, {"Docs": "degraded_performance", "Checkout": "operational"}),
        ("identified", {"search": "operational"}, {"Search": "major_outage"}),  # the other P1 still raises it
        ("resolved", {"database": "major_outage"}, {"Database": "major_outage", "Checkout": "operational"}),
    ],
)
def test_after_publishing_is_what_the_public_api_shows_once_published(
    scene, commander, status, choices, expected_after
):
    incident, components = scene
    selected = {components[key].pk: value for key, value in choices.items()}
    predicted = {name: after for name, (_, _, after) in outlook(incident, status, selected).items()}
    unchanged = {"Checkout": "partial_outage", "Search": "major_outage", "Database": "under_maintenance"}
    assert predicted == {"Docs": "operational", **unchanged, **expected_after}

    status_services.status_update_publish(
        incident,
        status=status,
        body="Update.",
        by=commander,
        component_statuses={components[key]: value for key, value in choices.items()},
    )
    public = selectors.page_state().effective
    assert {c.name: public[c.pk] for c in Component.objects.all()} == predicted


def test_the_panel_shows_the_three_figures_and_the_data_for_the_browser(scene, commander_client):
    incident, components = scene
    page = commander_client.get(reverse("admin:incidents_incident_change", args=[incident.pk])).content.decode()
    row = page.split(f'<tr data-component="{components["search"].pk}">', 1)[1].split("</tr>", 1)[0]
    assert '<td class="wr-stored" data-label="Stored">Degraded performance</td>' in row
    assert '<td class="wr-public-now wr-cs-major_outage" data-label="Public sees now">Major outage</td>' in row
    assert 'class="wr-public-after wr-cs-major_outage"' in row
    assert 'id="wr-outlook-data"' in page
    assert '"raisesTo": "partial_outage"' in page
    assert "statuspage/publish.js" in page
    assert "<script>" not in page  # no inline script: the behaviour is in a static file


def test_next_update_due_follows_the_update_cadence(scene, commander, commander_client):
    incident, _ = scene
    change = reverse("admin:incidents_incident_change", args=[incident.pk])
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        page = commander_client.get(change).content.decode()
    assert "First update due at <time" in page
    assert "10:20 UTC</time>" in page  # declared 09:50 + the P2 cadence of 30 minutes

    with time_machine.travel(datetime(2026, 11, 27, 10, 7, tzinfo=UTC), tick=False):
        status_services.status_update_publish(incident, status="identified", body="Found it.", by=commander)
        page = commander_client.get(change).content.decode()
    assert "Next update due at <time" in page
    assert "10:37 UTC</time>" in page  # the runbook's "next update in 30 minutes"
    assert 'class="wr-countdown" data-due="2026-11-27T10:37:00+00:00"' in page


def test_the_panels_queries_do_not_grow_with_the_components(scene, commander_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    incident, _ = scene
    change = reverse("admin:incidents_incident_change", args=[incident.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert commander_client.get(change).status_code == 200
        return len(captured)

    few = queries()
    others = ComponentFactory.create_batch(20)
    IncidentFactory.create(by=incident.commander, level="P3", public=True, components=others[:10])
    assert queries() == few
