"""The cockpit's JavaScript speaks the page's language: a commander who chose Italian gets the palette, the
countdowns and the palette's messages from the Italian JavaScript catalogue (admin:jsi18n)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from incidents.models import UserPreference
from tests.factories import IncidentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_cockpits_script_texts_are_italian(browser, live_server, commander, severities):
    UserPreference.objects.create(user=commander, language="it")
    incident = IncidentFactory.create(by=commander, title="Checkout errors", level="P2")
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", commander.username)
        page.fill("#id_password", "pw")
        page.press("#id_password", "Enter")
        page.wait_for_url(f"{live_server.url}/admin/")
        page.goto(live_server.url + reverse("admin:incidents_incident_change", args=[incident.pk]))
        assert page.locator("html").get_attribute("lang") == "it"
        # The countdown is filled in by admin.js: "mancano 59m 58s" rather than "59m 58s left".
        countdown = page.locator(".wr-clocks .wr-countdown").first
        page.wait_for_function("el => el.textContent.length > 0", arg=countdown.element_handle())
        assert countdown.text_content().startswith("mancano ")
        # The palette's button and its messages come from palette.js.
        assert page.locator("button.wr-palette-open").text_content().startswith("Comandi (")
        page.keyboard.press("Control+k")
        page.locator("#wr-palette").wait_for(state="visible")
        page.fill("#wr-palette-input", "nessuna-corrispondenza-qui")
        status = page.locator("#wr-palette-status")
        page.wait_for_function(
            "el => el.textContent === 'Nessun comando o incidente corrisponde.'", arg=status.element_handle()
        )
        page.fill("#wr-palette-input", "nota")  # an Italian keyword finds "Aggiungi una nota"
        assert "Aggiungi una nota" in page.locator("#wr-palette-list").text_content()
    finally:
        context.close()
