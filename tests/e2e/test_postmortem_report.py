"""Write a post-mortem, add an action item, see it in the managers' report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from incidents import services as incident_services
from incidents.timers.models import TimerHeartbeat
from postmortems import services
from postmortems.models import ActionItem, PostMortem
from tests.factories import ActionItemFactory, IncidentFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def history(commander) -> None:
    """Some past incidents and action items, so the report's charts have something to show."""
    owners = [
        UserFactory.create(username=name.lower(), first_name=name, last_name="")
        for name in ("Priya", "Tomas", "Aiko", "Dmitri")
    ]
    now = timezone.now()
    for n in range(18):
        start = now - timedelta(days=7 * n + 2, hours=n)
        level = ("P1", "P2", "P2", "P3", "P4")[n % 5]
        with time_machine.travel(start, tick=False):
            incident = IncidentFactory.create(by=commander, level=level, title=f"Past incident {n}")
        with time_machine.travel(start + timedelta(minutes=5 + 7 * (n % 4)), tick=False):
            incident_services.incident_acknowledge(incident, by=commander)
        with time_machine.travel(start + timedelta(minutes=60 + 25 * (n % 6)), tick=False):
            incident = incident_services.incident_resolve(incident, by=commander)
            postmortem = PostMortem.objects.filter(incident=incident).first()
            if postmortem is None:
                continue
            for k in range(1 + n % 3):
                item = ActionItemFactory.create(
                    postmortem=postmortem,
                    owner=owners[(n + k) % 4],
                    by=commander,
                    priority=("high", "medium", "low")[k],
                    due_date=(start + timedelta(days=10 + 5 * k)).date(),
                )
                if (n + k) % 3 == 0:
                    services.action_item_set_status(item, status="done", by=commander)


def test_write_postmortem_add_action_item_see_it_in_the_report(live_server, page, browser, login, commander, manager):
    history(commander)
    owner = UserFactory.create(username="olivia", first_name="Olivia", last_name="Owner")
    with time_machine.travel(datetime.now(UTC) - timedelta(hours=3), tick=False):
        incident = IncidentFactory.create(by=commander, level="P1", title="Checkout returns 500")
        incident_services.incident_acknowledge(incident, by=commander)
    incident = incident_services.incident_resolve(incident, by=commander)
    postmortem = PostMortem.objects.get(incident=incident)

    login(commander.username)
    page.goto(f"{live_server.url}/admin/postmortems/postmortem/{postmortem.pk}/change/")
    page.fill("#id_summary", "Checkout returned 500 for three hours after a bad deploy.")
    page.fill("#id_what_happened", "The new release leaked database connections.")
    page.fill("#id_action_items-0-action", "Cap the connection pool per worker")
    page.select_option("#id_action_items-0-owner", label="olivia")
    page.select_option("#id_action_items-0-priority", "high")
    page.fill("#id_action_items-0-due_date", (timezone.now() + timedelta(days=14)).date().isoformat())
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")

    item = ActionItem.objects.get(postmortem=postmortem)
    assert (item.action, item.owner, item.priority) == ("Cap the connection pool per worker", owner, "high")
    postmortem.refresh_from_db()
    assert postmortem.summary.startswith("Checkout returned 500")

    # A live beat would keep this fresh; without it the admin warns that timers are stopped.
    TimerHeartbeat.objects.update_or_create(name="tick", defaults={"beat_at": timezone.now()})
    manager_context = browser.new_context(viewport={"width": 1280, "height": 900})
    manager_page = manager_context.new_page()
    manager_page.goto(f"{live_server.url}/admin/login/")
    manager_page.fill("#id_username", manager.username)
    manager_page.fill("#id_password", "pw")
    manager_page.click("input[type=submit]")
    manager_page.wait_for_url(f"{live_server.url}/admin/")
    manager_page.goto(f"{live_server.url}/admin/postmortems/postmortem/report/")
    manager_page.wait_for_selector("#wr-report")
    assert "Olivia Owner" in manager_page.inner_text("#wr-by-owner")
    assert incident.reference in manager_page.inner_text("#wr-follow-up")
    assert manager_page.locator("svg.wr-chart").count() == 4
    manager_page.screenshot(path="var/managers-report.png", full_page=True)
    manager_context.close()
