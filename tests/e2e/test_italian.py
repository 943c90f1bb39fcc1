"""Warroom in Italian, in a real browser: a commander who chose Italian declares, acknowledges and publishes
through the cockpit; a reader whose browser asks for Italian reads the status page in Italian and switches
it to English and back. Expected texts come from the Italian catalogue, and each must differ from the
English, so an untranslated page fails."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation
from playwright.sync_api import expect

from incidents.models import Incident, TimelineKind, UserPreference
from incidents.statuspage import services as status_services
from incidents.statuspage.models import StatusUpdate
from tests.factories import ComponentFactory, IncidentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def italian_script(text: str) -> str:
    """The Italian of a JavaScript string (djangojs catalogue), which must have one."""
    catalogue = polib.pofile(str(Path(settings.BASE_DIR) / "locale/it/LC_MESSAGES/djangojs.po"))
    entry = catalogue.find(text)
    assert entry is not None, f"{text!r} is not in the JavaScript catalogue"
    assert entry.msgstr not in ("", text), f"{text!r} has no Italian translation"
    return entry.msgstr


def italian(text: str, context: str | None = None, **values: object) -> str:
    """The Italian of `text`, which must have one (else the test would pass on an English page)."""
    with translation.override("it"):
        translated = translation.pgettext(context, text) if context else translation.gettext(text)
    assert translated != text, f"{text!r} has no Italian translation"
    return translated % values if values else translated


def test_a_commander_declares_acknowledges_and_publishes_in_italian(page, live_server, login, commander, severities):
    UserPreference.objects.create(user=commander, language="it")
    login(commander.username)
    assert page.locator("html").get_attribute("lang") == "it"

    page.get_by_role("link", name=italian("Declare an incident")).click()
    page.fill("#id_title", "La ricerca non restituisce risultati")
    page.check("#id_service_down")
    suggested = italian_script("Suggested severity: %(level)s (%(reasons)s).").split("%")[0]
    expect(page.locator("#wr-suggestion")).to_contain_text(suggested)
    page.click("input[name=_save]")
    page.wait_for_selector(".wr-cockpit")
    incident = Incident.objects.get(title="La ricerca non restituisce risultati")

    acknowledge = page.locator(".wr-actions form[action*='acknowledge'] button")
    assert acknowledge.inner_text().strip() == italian("Acknowledge", "button")
    acknowledge.click()
    page.wait_for_selector(".wr-entry-acknowledged")

    publish = page.locator(".wr-publish-form")
    assert publish.locator("button[type=submit]").inner_text().strip() == italian("Publish status update")
    page.fill("#wr-update-body", "Stiamo analizzando il problema della ricerca.")
    publish.locator("button[type=submit]").click()
    published = italian("status update published (%(status)s)").split("(")[0].strip()
    expect(page.locator(".messagelist")).to_contain_text(published)

    assert page.locator("html").get_attribute("lang") == "it"
    incident.refresh_from_db()
    assert incident.acknowledged_by == commander
    assert TimelineKind.STATUS_UPDATE in incident.timeline.values_list("kind", flat=True)
    assert StatusUpdate.objects.get(incident=incident).body == "Stiamo analizzando il problema della ricerca."


def test_the_status_page_reads_in_italian_and_switches_language(browser, live_server, commander, severities):
    api = ComponentFactory.create(name="API")
    incident = IncidentFactory.create(by=commander, level="P2", public=True, title="API lenta", components=[api])
    status_services.status_update_publish(incident, status="investigating", body="Stiamo indagando.", by=commander)

    context = browser.new_context(locale="it-IT")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/status/")
        assert page.locator("html").get_attribute("lang") == "it"
        assert page.locator("#active-title").inner_text() == italian("Active incidents")
        assert page.locator("#components-title").inner_text() == italian("Components")
        assert italian("Investigating") in page.locator("main").inner_text()
        current = page.locator("nav.languages a[aria-current]")
        assert (current.get_attribute("hreflang"), current.inner_text()) == ("it", "Italiano")

        page.click("nav.languages a[hreflang=en]")
        page.wait_for_url("**/status/?lang=en")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("#active-title").inner_text() == "Active incidents"
        # The chosen language follows the reader from page to page.
        page.click("header nav a[href*='/status/history/']")
        assert page.locator("html").get_attribute("lang") == "en"

        page.click("nav.languages a[hreflang=it]")
        assert page.locator("html").get_attribute("lang") == "it"
        assert "lang=it" in page.url
    finally:
        context.close()
