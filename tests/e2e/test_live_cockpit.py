"""Two people in one incident: what one does appears in the other's open cockpit without a reload, and
what the other is typing survives every refresh."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import roles, services
from incidents.timers import engine
from incidents.timers.models import Timer
from tests.conftest import make_user
from tests.factories import ComponentFactory, IncidentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SEEN_WITHIN_MS = 10_000


@pytest.fixture
def fast_polling(settings):
    # The live server runs in this process, so the setting reaches the page it draws.
    settings.LIVE_POLL_SECONDS = 0.5


def logged_in(browser, live_server, username: str, width: int = 1280, language: str = "en"):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale=language)
    page = context.new_page()
    page.set_default_timeout(SEEN_WITHIN_MS)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    return page


def test_changes_by_one_commander_appear_in_the_others_cockpit(
    browser, live_server, commander, django_user_model, severities, fast_polling
):
    colleague = make_user(django_user_model, "robin", roles.COMMANDER)
    incident = IncidentFactory.create(by=commander, level="P1")
    cockpit = f"{live_server.url}/admin/incidents/incident/{incident.pk}/change/"
    actor = logged_in(browser, live_server, commander.username)
    watcher = logged_in(browser, live_server, colleague.username)
    actor.goto(cockpit)
    watcher.goto(cockpit)

    # The watcher starts writing a note and a reason for a severity change, and leaves the reason focused.
    watcher.fill("#wr-note", "Draft: the cache is cold")
    watcher.fill("input[name=reason]", "customer impact grew")
    watcher.focus("input[name=reason]")
    # Hidden inputs of a form being filled in stay as they were drawn (e.g. the version it was drawn from).
    severity_form_token = watcher.input_value("form.wr-inline input[name=csrfmiddlewaretoken]")

    actor.fill("#wr-note", "Rolled back the deploy")
    actor.click("button:has-text('Add note')")
    note = watcher.locator(".wr-timeline-list li", has_text="Rolled back the deploy")
    note.wait_for()
    assert "wr-entry-new" in note.get_attribute("class")
    assert note.locator(".wr-new-badge").text_content() == "New"
    assert "1 new timeline entry." in watcher.inner_text("[data-live-announce]")

    item = incident.checklist.filter(done_at__isnull=True).order_by("position")[0]
    actor.click(f"#wr-check-{item.pk} button")
    watcher.wait_for_selector(f"#wr-check-{item.pk}.wr-done")

    actor.click("button[data-move=identified]")
    watcher.wait_for_selector(".wr-cockpit-header .wr-status-identified")
    # The buttons follow the new status, while the form being filled in is left as it was.
    watcher.wait_for_selector("button[data-move=identified]", state="detached")
    assert watcher.input_value("input[name=reason]") == "customer impact grew"
    assert watcher.evaluate("document.activeElement.name") == "reason"
    assert watcher.input_value("form.wr-inline input[name=csrfmiddlewaretoken]") == severity_form_token
    assert watcher.input_value("#wr-note") == "Draft: the cache is cold"

    # The timer engine fires the 15-minute escalation without anyone touching the incident.
    step = Timer.objects.filter(subject_id=incident.pk, kind="incident.escalation", fired_at__isnull=True)[0]
    Timer.objects.filter(pk=step.pk).update(due_at=timezone.now() - timedelta(seconds=1))
    engine.tick()
    watcher.locator(".wr-timeline-list li.wr-entry-escalation").first.wait_for()
    assert watcher.input_value("#wr-note") == "Draft: the cache is cold"
    assert watcher.input_value("input[name=reason]") == "customer impact grew"


@pytest.mark.parametrize("language", ["en", "it"])  # Italian words are longer
@pytest.mark.parametrize("path", ["cockpit", "dashboard", "wall board"])
def test_phone_width_has_no_horizontal_scroll(browser, live_server, commander, severities, path, language):
    payments = ComponentFactory.create(name="Payment processing")  # a row in the publish form's table
    incident = IncidentFactory.create(
        by=commander, level="P1", title="Checkout returns 500 for every EU customer", components=[payments]
    )
    services.incident_add_note(
        incident, by=commander, text="https://grafana.example.com/d/checkout-latency?from=now-6h"
    )
    page = logged_in(browser, live_server, commander.username, width=375, language=language)
    url = {
        "cockpit": f"/admin/incidents/incident/{incident.pk}/change/",
        "dashboard": "/admin/",
        "wall board": "/admin/incidents/incident/board/",
    }[path]
    page.goto(f"{live_server.url}{url}")
    assert incident.reference in page.inner_text("body")
    assert page.locator("html").get_attribute("lang") == language
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 375, f"the {path} is {width}px wide at 375px"


def test_the_board_shows_a_new_incident_and_a_move_without_reload(
    browser, live_server, commander, severities, fast_polling
):
    first = IncidentFactory.create(by=commander, level="P2", title="Slow search")
    page = logged_in(browser, live_server, commander.username)
    page.goto(f"{live_server.url}/admin/incidents/incident/board/")
    page.wait_for_selector(f"#wr-board-{first.pk}")

    second = IncidentFactory.create(by=commander, level="P1", title="Checkout returns 500")
    page.wait_for_selector(f"#wr-board-{second.pk}")
    rows = page.locator(".wr-board-row")
    assert rows.first.get_attribute("id") == f"wr-board-{second.pk}"  # the most severe first

    services.incident_move_status(first, status="monitoring", by=commander)
    page.wait_for_selector(f"#wr-board-{first.pk} .wr-status-monitoring")
    services.incident_resolve(first, by=commander)
    page.wait_for_selector(f"#wr-board-{first.pk}", state="detached")
