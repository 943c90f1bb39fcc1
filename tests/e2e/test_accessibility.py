"""WCAG 2.1 A/AA with axe-core over every public page and what Warroom adds to the admin, in every language
(the browser asks for it through Accept-Language, as a reader's browser would)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation

from incidents import services as incident_services
from incidents.statuspage import services as status_services
from tests.factories import ComponentFactory, IncidentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


LANGUAGES = [code for code, _name in settings.LANGUAGES]


@pytest.fixture(params=LANGUAGES)
def a11y_page(request, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True, locale=request.param)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.language = request.param  # type: ignore[attr-defined]
    yield page
    context.close()


def in_page_language(page, text: str) -> str:
    with translation.override(page.language):
        return translation.gettext(text)


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
    # The page really is in the language asked for, so each language's words are what axe reads.
    assert page.locator("html").get_attribute("lang") == page.language, f"{where} is not in {page.language}"
    violations = axe_violations(page)
    assert not violations, f"{where} ({page.language}): " + "\n".join(violations)


@pytest.mark.parametrize("path", ["", "history/", "uptime/", "subscribe/", "incident"])
def test_public_pages_have_no_wcag_violations(a11y_page, live_server, axe_violations, open_incident, path):
    if path == "incident":
        path = f"incidents/{open_incident.public_id}"
    a11y_page.goto(f"{live_server.url}/status/{path}")
    assert_accessible(a11y_page, axe_violations, f"/status/{path}")
    if path == "":
        # A component's status is said in words beside its coloured dot.
        assert a11y_page.locator(".component .state").first.inner_text().strip() != ""


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
    # Severity and SLA state are said in words, not only in colour.
    assert a11y_page.locator(".wr-badge, .wr-level").first.inner_text() == "P1"
    if page_name == "incident list":
        assert a11y_page.locator(".wr-sla").first.inner_text().strip() != ""


def test_managers_report_has_no_wcag_violations(a11y_page, live_server, axe_violations, commander, manager, severities):
    from tests.e2e.test_postmortem_report import history

    history(commander)
    sign_in(a11y_page, live_server, manager.username)
    a11y_page.goto(f"{live_server.url}/admin/postmortems/postmortem/report/")
    a11y_page.wait_for_selector("#wr-report")
    # Every chart has its numbers as a table too: the three drawn only as charts get one under them.
    assert a11y_page.locator("details.wr-chart-data").count() == 3
    weekly = in_page_language(a11y_page, "Incidents per week by severity")
    weeks = a11y_page.locator("details.wr-chart-data").filter(has_text=weekly)
    weeks.locator("summary").press("Enter")
    assert weeks.locator("tbody tr").count() > 0
    assert weeks.locator("thead th").all_text_contents()[:2] == [in_page_language(a11y_page, "Week"), "P1"]
    assert_accessible(a11y_page, axe_violations, "managers' report")


FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return {
    visible: outline || style.boxShadow !== "none",
    describe: el.outerHTML.slice(0, 160),
  };
}"""


def tab_to(page, selector: str, *, limit: int = 120) -> list[str]:
    """Tab (forward only) until `selector` has the focus; every control passed on the way shows its focus."""
    passed: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_STYLE)
        if focus is None:
            continue
        assert focus["visible"], f"{focus['describe']} has the keyboard focus but no visible focus style"
        passed.append(focus["describe"])
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return passed
    raise AssertionError(f"Tab never reached {selector}; passed {passed}")


def test_declare_acknowledge_publish_by_keyboard_alone(page, live_server, login, commander, severities):
    """No palette and no mouse: Tab, Space, Enter and typing, each focused control visibly focused."""
    from incidents.models import Incident, TimelineKind
    from incidents.statuspage.models import StatusUpdate
    from tests.e2e.test_p1_story import Story

    login(commander.username)
    story = Story(page)
    story.start_counting()
    keyboard = page.keyboard

    tab_to(page, "a.addlink[href$='/incidents/incident/add/']")
    with page.expect_navigation():
        keyboard.press("Enter")
    tab_to(page, "#id_title")
    keyboard.type("Search returns no results")
    tab_to(page, "#id_service_down")
    keyboard.press("Space")
    page.wait_for_selector("#wr-suggestion:has-text('Suggested severity: P1')")
    tab_to(page, "input[name=_save]")
    with page.expect_navigation():
        keyboard.press("Enter")
    page.wait_for_selector(".wr-cockpit")
    incident = Incident.objects.get(title="Search returns no results")

    tab_to(page, ".wr-actions form[action*='acknowledge'] button")
    with page.expect_navigation():
        keyboard.press("Enter")
    page.wait_for_selector(".wr-entry-acknowledged")

    tab_to(page, "#wr-update-body")
    keyboard.press("Control+a")
    keyboard.type("Search returns no results. We are investigating.")
    tab_to(page, ".wr-publish-form button[type=submit]")
    with page.expect_navigation():
        keyboard.press("Enter")
    page.wait_for_selector("text=status update published")

    story.settle()
    assert story.counts["click"] == 0
    assert story.loads == 4  # the declare form, the cockpit, acknowledged, published
    incident.refresh_from_db()
    assert incident.acknowledged_by == commander
    assert TimelineKind.STATUS_UPDATE in incident.timeline.values_list("kind", flat=True)
    assert StatusUpdate.objects.get(incident=incident).body.startswith("Search returns no results.")


def test_cockpit_clocks_announce_a_deadline_passing_not_every_second(page, live_server, login, commander, severities):
    from datetime import UTC, datetime

    incident = IncidentFactory.create(by=commander, level="P1", title="Queue stuck")
    login(commander.username)
    page.clock.install(time=datetime.now(UTC))
    page.goto(f"{live_server.url}/admin/incidents/incident/{incident.pk}/change/")
    region = page.locator("[data-clock-announce]")
    assert region.get_attribute("aria-live") == "polite"
    countdown = page.locator(".wr-clocks .wr-countdown").first
    assert countdown.evaluate("(el) => el.closest('[aria-live]')") is None  # the ticking seconds are not live

    left_ms = (incident.acknowledge_due_at - datetime.now(UTC)).total_seconds() * 1000
    page.clock.run_for(int(left_ms) - 5_000)
    assert "left" in countdown.inner_text()
    assert region.inner_text() == ""  # minutes went by, nothing was announced
    page.clock.run_for(10_000)
    assert "overdue" in countdown.inner_text()
    assert region.inner_text() == "Acknowledge by: deadline passed."
