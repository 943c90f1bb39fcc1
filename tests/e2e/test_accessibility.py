"""WCAG 2.1 A/AA with axe-core over every public page and what Warroom adds to the admin."""

from __future__ import annotations

import pytest

from incidents import services as incident_services
from incidents.statuspage import services as status_services
from tests.factories import ComponentFactory, IncidentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def a11y_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


@pytest.fixture
def open_incident(commander, severities):
    api = ComponentFactory.create(name="API")
    incident = IncidentFactory.create(by=commander, level="P1", public=True, title="API down", components=[api])
    incident = incident_services.incident_acknowledge(incident, by=commander)
    status_services.status_update_publish(incident, status="investigating", body="Looking into it.", by=commander)
    return incident


def assert_accessible(page, axe_violations, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{where}: " + "\n".join(violations)


@pytest.mark.parametrize("path", ["", "history/", "uptime/", "subscribe/", "incident"])
def test_public_pages_have_no_wcag_violations(a11y_page, live_server, axe_violations, open_incident, path):
    if path == "incident":
        path = f"incidents/{open_incident.public_id}"
    a11y_page.goto(f"{live_server.url}/status/{path}")
    assert_accessible(a11y_page, axe_violations, f"/status/{path}")


@pytest.mark.parametrize("page_name", ["dashboard", "incident list", "cockpit"])
def test_admin_pages_have_no_wcag_violations(a11y_page, live_server, axe_violations, open_incident, page_name):
    sign_in(a11y_page, live_server, "casey")
    paths = {
        "dashboard": "/admin/",
        "incident list": "/admin/incidents/incident/",
        "cockpit": f"/admin/incidents/incident/{open_incident.pk}/change/",
    }
    a11y_page.goto(live_server.url + paths[page_name])
    if page_name == "cockpit":
        a11y_page.wait_for_selector(".wr-cockpit")
    assert_accessible(a11y_page, axe_violations, page_name)


def test_managers_report_has_no_wcag_violations(a11y_page, live_server, axe_violations, commander, manager, severities):
    from tests.e2e.test_postmortem_report import history

    history(commander)
    sign_in(a11y_page, live_server, manager.username)
    a11y_page.goto(f"{live_server.url}/admin/postmortems/postmortem/report/")
    a11y_page.wait_for_selector("#wr-report")
    assert_accessible(a11y_page, axe_violations, "managers' report")
