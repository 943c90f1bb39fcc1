"""The command palette in a phone-sized browser: the dialog and combobox pattern, keys, focus, and commands
that look up the page when they run."""

from __future__ import annotations

import pytest

from incidents.models import TimelineKind
from tests.factories import IncidentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/admin/")


def active(page) -> dict:
    return page.evaluate(
        """() => {
          const input = document.getElementById("wr-palette-input");
          const id = input.getAttribute("aria-activedescendant");
          const option = id && document.getElementById(id);
          return {
            id, focused: document.activeElement === input,
            selected: option ? option.getAttribute("aria-selected") : null,
            label: option ? option.querySelector(".wr-palette-label").textContent : null,
            outline: option ? getComputedStyle(option).outlineStyle : null,
            count: document.querySelectorAll("#wr-palette-list [role=option]").length,
          };
        }"""
    )


def test_palette_dialog_keys_and_focus_at_phone_width(phone, live_server, commander, severities):
    page = phone
    incident = IncidentFactory.create(by=commander, title="Search is slow", level="P2")
    newer = IncidentFactory.create(by=commander, title="Disk full", level="P3")
    log_in(page, live_server, commander.username)
    page.focus("a.addlink")

    page.keyboard.press("Control+k")
    dialog = page.locator("#wr-palette")
    dialog.wait_for(state="visible")
    assert dialog.get_attribute("role") == "dialog"
    assert dialog.get_attribute("aria-modal") == "true"
    combobox = page.locator("#wr-palette-input")
    assert combobox.get_attribute("role") == "combobox"
    assert combobox.get_attribute("aria-controls") == "wr-palette-list"
    # With nothing typed it lists the commands, then the open incidents.
    page.wait_for_selector(f"#wr-palette-list [role=option]:has-text('{incident.reference}')")
    page.wait_for_selector(f"#wr-palette-list [role=option]:has-text('{newer.reference}')")
    first = active(page)
    assert first["label"] == "Declare an incident"
    assert first["focused"]
    assert first["selected"] == "true"
    assert first["outline"] != "none"  # the active option is visibly marked
    assert first["count"] == 5  # declare, open incidents, dashboard, the two open incidents

    # Arrow keys move the active option and wrap; the input keeps the focus.
    page.keyboard.press("ArrowDown")
    second = active(page)
    assert second["id"] != first["id"]
    assert second["selected"] == "true"
    assert page.locator(f"#{first['id']}").get_attribute("aria-selected") == "false"
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert active(page)["id"] == f"wr-palette-option-{first['count'] - 1}"
    assert active(page)["focused"]

    # It fits a 375 px screen.
    page.screenshot(path="var/palette-phone.png")
    box = page.locator("#wr-palette").bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]

    # Escape closes it and gives the focus back.
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.classList.contains('addlink')")

    # Go to an incident by its reference.
    page.keyboard.press("Control+k")
    page.keyboard.type(incident.reference)
    page.wait_for_selector(f"#wr-palette-list [role=option]:has-text('{incident.reference}')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/admin/incidents/incident/{incident.pk}/change/")

    # ... and by a word of its title, pressing Enter before the answer has arrived: the open incidents
    # listed first (the newer one on top) no longer count once "slow" is typed.
    page.keyboard.press("Control+k")
    page.wait_for_selector(f"#wr-palette-list [aria-selected=false]:has-text('{newer.reference}')")
    page.keyboard.type("slow")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/admin/incidents/incident/{incident.pk}/change/")

    # A note: the palette focuses the field, Ctrl-Enter adds it.
    page.keyboard.press("Control+k")
    page.keyboard.type("note")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "wr-note"
    page.keyboard.type("Search cluster is rebalancing shards")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert incident.timeline.filter(kind=TimelineKind.NOTE, text="Search cluster is rebalancing shards").exists()

    # The button in the header opens it too (touch screens have no Ctrl-K).
    page.locator(".wr-palette-open").click()
    dialog.wait_for(state="visible")
    page.keyboard.press("Escape")


def test_commands_follow_the_page_as_it_is_now(page, live_server, login, commander, severities):
    """A live refresh may redraw the cockpit: the palette offers and runs only what the page shows now."""
    incident = IncidentFactory.create(by=commander, level="P1")
    login(commander.username)
    page.goto(f"{live_server.url}/admin/incidents/incident/{incident.pk}/change/")
    ack = f"/admin/incidents/incident/{incident.pk}/cockpit/acknowledge/"

    page.keyboard.press("Control+k")
    page.wait_for_selector(f"#wr-palette-list [role=option]:has-text('{incident.title}')")
    page.screenshot(path="var/palette.png")
    page.keyboard.type("ack")
    page.wait_for_selector(f"#wr-palette-list [aria-selected=true]:has-text('Acknowledge {incident.reference}')")
    # Someone else acknowledged it and the header was redrawn without the button, while the palette was open.
    page.evaluate("(action) => document.querySelector(`form[action='${action}']`).remove()", ack)
    page.keyboard.press("Enter")
    page.wait_for_selector("#wr-palette-status:has-text('No longer possible here')")
    assert page.locator("#wr-palette").is_visible()
    incident.refresh_from_db()
    assert incident.acknowledged_at is None
    page.keyboard.press("Escape")

    # Opened again, it no longer offers it; a redrawn form (a new node) is found and submitted.
    page.keyboard.press("Control+k")
    page.keyboard.type("start monitoring")
    page.wait_for_selector("#wr-palette-list [aria-selected=true]:has-text('Start monitoring')")
    page.evaluate(
        """() => {
          const old = document.querySelector("form[action$='/cockpit/move-monitoring/']");
          old.replaceWith(old.cloneNode(true));
        }"""
    )
    with page.expect_navigation():
        page.keyboard.press("Enter")
    incident.refresh_from_db()
    assert incident.status == "monitoring"
    # Now monitoring: starting to monitor is no longer a legal move, so it is not offered.
    page.keyboard.press("Control+k")
    page.keyboard.type("start monitoring")
    page.wait_for_selector("#wr-palette-status:has-text('No command or incident matches')")
    page.keyboard.press("Control+a")
    page.keyboard.type("resolve")
    page.wait_for_selector(f"#wr-palette-list [aria-selected=true]:has-text('Resolve ({incident.reference})')")


def test_a_template_adds_a_command_with_data_attributes(page, live_server, login, commander, severities):
    """A panel offers a command by marking an element: data-palette-label (and keywords, group, run)."""
    incident = IncidentFactory.create(by=commander, level="P3")
    login(commander.username)
    page.goto(f"{live_server.url}/admin/incidents/incident/{incident.pk}/change/")
    page.evaluate(
        """() => {
          const form = document.createElement("form");
          form.id = "wr-handover";
          form.dataset.paletteLabel = "Hand over command";
          form.dataset.paletteKeywords = "commander transfer";
          form.innerHTML = '<input type="hidden" name="v" value="1"><input id="wr-handover-to" name="to">';
          document.querySelector(".wr-cockpit").append(form);
        }"""
    )
    page.keyboard.press("Control+k")
    page.keyboard.type("transfer")
    page.wait_for_selector("#wr-palette-list [aria-selected=true]:has-text('Hand over command')")
    page.keyboard.press("Enter")
    page.locator("#wr-palette").wait_for(state="hidden")
    # A form's first visible field gets the focus.
    assert page.evaluate("document.activeElement.id") == "wr-handover-to"
