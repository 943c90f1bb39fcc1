from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from incidents.models import Component, ComponentStatus
from incidents.statuspage import services as status_services
from incidents.statuspage.models import MaintenanceStatus, StatusUpdate
from tests.factories import ComponentFactory, IncidentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_publish_in_the_cockpit_and_read_it_on_the_status_page(live_server, login, commander, severities):
    cache.clear()
    api = ComponentFactory.create(name="API", group="Platform", position=1)
    ComponentFactory.create(name="Web app", group="Platform", position=2)
    db = ComponentFactory.create(name="Database", group="Infrastructure", position=1)
    ComponentFactory.create(name="Email delivery", group="Integrations", position=1)
    now = timezone.now()
    incident = IncidentFactory.create(
        by=commander,
        level="P2",
        public=True,
        title="Elevated API error rate",
        components=[api],
        started_at=now - timedelta(minutes=25),
    )
    status_services.status_update_publish(
        incident, status="investigating", body="We are investigating reports of service unavailability.", by=commander
    )
    status_services.maintenance_create(
        name="Database upgrade to PostgreSQL 17",
        scheduled_for=now + timedelta(days=2),
        scheduled_until=now + timedelta(days=2, hours=2),
        by=commander,
        components=[db],
        status=MaintenanceStatus.SCHEDULED,
        body="The primary database will be upgraded; expect brief read-only periods.",
    )
    past = IncidentFactory.create(
        by=commander,
        level="P3",
        public=True,
        title="Password reset emails delayed",
        started_at=now - timedelta(days=1),
    )
    status_services.status_update_publish(
        past,
        status="resolved",
        body="Service has been fully restored. We will provide a post-mortem within 24 hours.",
        by=commander,
    )

    # Ninety days of uptime history before today: a few outages of the API and the database.
    from incidents.statuspage.models import ComponentStatusChange

    history = []
    for component in Component.objects.all():
        history.append(ComponentStatusChange(component=component, status="operational", at=now - timedelta(days=89)))
    for component, days_ago, status, minutes in [
        (api, 71, "major_outage", 50),
        (api, 40, "partial_outage", 180),
        (api, 12, "major_outage", 400),
        (db, 55, "partial_outage", 60),
        (db, 20, "major_outage", 20),
    ]:
        start = now - timedelta(days=days_ago)
        history.append(ComponentStatusChange(component=component, status=status, at=start))
        history.append(
            ComponentStatusChange(component=component, status="operational", at=start + timedelta(minutes=minutes))
        )
    ComponentStatusChange.objects.bulk_create(history)

    page = login(commander.username)
    page.goto(f"{live_server.url}/admin/incidents/incident/{incident.pk}/change/")
    page.wait_for_selector("#wr-publish")
    page.select_option("#wr-update-status", "identified")
    # The runbook's wording follows the chosen status.
    assert page.input_value("#wr-update-body") == "We have identified the root cause and are implementing a fix."
    page.select_option(f"select[name=component-{api.pk}]", "partial_outage")
    page.click("button:has-text('Publish status update')")
    page.wait_for_selector(".wr-entry-status_update")
    assert StatusUpdate.objects.filter(incident=incident, status="identified").exists()
    assert Component.objects.get(pk=api.pk).status == ComponentStatus.PARTIAL_OUTAGE

    page.goto(f"{live_server.url}/status/")
    banner = page.inner_text(".banner")
    assert "Partial System Outage" in banner
    active = page.inner_text("section[aria-labelledby=active-title]")
    assert "Elevated API error rate" in active
    assert "We have identified the root cause and are implementing a fix." in active
    assert active.index("We have identified") < active.index("We are investigating")  # newest first
    assert "Partial outage" in page.inner_text("li.component.status-partial_outage")
    assert incident.reference not in page.content()
    assert page.locator("li.component.status-partial_outage ol.bars > li").count() == 90
    assert "major outage" in page.get_attribute("li.component.status-partial_outage li.bar.level-major", "title")
    page.screenshot(path="var/status-page.png", full_page=True)

    page.click("text=Elevated API error rate")
    page.wait_for_url(f"**/status/incidents/{incident.public_id}")
    assert "We have identified the root cause" in page.inner_text("main")
