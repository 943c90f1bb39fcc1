"""The status page's times in the visitor's own zone when JavaScript runs, the page's zone when not."""

from datetime import UTC, datetime

import pytest
from django.core.cache import cache

from incidents.statuspage import services as status_services
from tests.factories import ComponentFactory, IncidentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

POSTED = datetime(2026, 3, 29, 1, 10, tzinfo=UTC)  # 2026-03-28 21:10 EDT in New York


def test_the_status_page_shows_the_visitors_local_time(live_server, browser, commander, severities):
    cache.clear()
    api = ComponentFactory.create(name="API")
    incident = IncidentFactory.create(by=commander, level="P2", public=True, title="Checkout errors", components=[api])
    status_services.status_update_publish(
        incident, status="investigating", body="We are investigating.", by=commander, display_at=POSTED
    )
    selector = "time[datetime='2026-03-29T01:10:00Z']"

    with_script = browser.new_context(timezone_id="America/New_York")
    page = with_script.new_page()
    page.goto(f"{live_server.url}/status/")
    page.wait_for_selector(f"{selector}:has-text('EDT')")
    assert page.inner_text(selector) == "2026-03-28 21:10 EDT"
    assert page.get_attribute(selector, "title") == "2026-03-29 01:10 UTC"  # the page's zone, on hover
    assert "Times are in your time zone (America/New_York)." in page.inner_text("footer")
    with_script.close()

    without_script = browser.new_context(timezone_id="America/New_York", java_script_enabled=False)
    page = without_script.new_page()
    page.goto(f"{live_server.url}/status/")
    assert page.inner_text(selector) == "2026-03-29 01:10 UTC"
    assert "Times are in UTC." in page.inner_text("footer")
    without_script.close()


def test_the_visitors_zone_is_named_in_the_pages_language(live_server, browser, commander, severities):
    """local-time.js takes its words from the status page's JavaScript catalogue (status/jsi18n/?lang=)."""
    cache.clear()
    context = browser.new_context(
        timezone_id="Europe/Rome", locale="it-IT", extra_http_headers={"Accept-Language": "it"}
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/status/")
    page.wait_for_function("document.querySelector('[data-local-zone]').textContent.includes('Europe/Rome')")
    footer = page.inner_text("footer")
    assert "Gli orari sono nel tuo fuso orario (Europe/Rome)." in footer
    assert "Times are in" not in footer
    assert page.get_attribute("html", "lang") == "it"
    page.goto(f"{live_server.url}/status/?lang=en")
    page.wait_for_function("document.querySelector('[data-local-zone]').textContent.includes('Europe/Rome')")
    assert "Times are in your time zone (Europe/Rome)." in page.inner_text("footer")
    context.close()
