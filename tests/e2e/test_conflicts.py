"""Two commanders in two browsers: a form submitted from a page that is out of date is refused with
"changed by … review and resubmit", and the page shows the fresh values with the typed input kept."""

from __future__ import annotations

import pytest

from incidents import roles
from incidents.models import Incident, IncidentStatus
from incidents.statuspage.models import StatusUpdate
from tests.conftest import make_user
from tests.factories import ComponentFactory, IncidentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def open_cockpit(browser, live_server, username: str, incident: Incident):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/incidents/incident/{incident.pk}/change/")
    page.wait_for_selector(".wr-cockpit")
    return context, page


def test_a_stale_publish_is_refused_with_the_fresh_values(
    browser, live_server, commander, django_user_model, severities
):
    alice = make_user(django_user_model, "alice", roles.COMMANDER)
    checkout = ComponentFactory.create(name="Checkout")
    incident = IncidentFactory.create(by=commander, level="P2", public=True, components=[checkout])
    casey_context, casey = open_cockpit(browser, live_server, commander.username, incident)
    alice_context, alice_page = open_cockpit(browser, live_server, alice.username, incident)
    after = casey.locator(f'tr[data-component="{checkout.pk}"] .wr-public-after')
    assert after.inner_text() == "Partial outage"  # the public P2 raises its component

    # Casey prepares an update: the "after publishing" column follows the choices in the browser.
    casey.select_option("#wr-update-status", "resolved")
    casey.select_option(f"select[name=component-{checkout.pk}]", "degraded_performance")
    assert after.inner_text() == "Degraded performance"
    casey.fill("#wr-update-body", "Rolled back the deploy; a few slow requests remain.")

    # Meanwhile Alice marks the incident identified.
    alice_page.click("button[data-move=identified]")
    alice_page.wait_for_selector(".wr-status-identified")

    casey.click("button:has-text('Publish status update')")
    casey.wait_for_selector(".messagelist .error")
    message = casey.inner_text(".messagelist .error")
    assert f"{incident.reference} was changed by alice at " in message
    assert message.endswith("review and resubmit.")
    assert casey.inner_text(".wr-cockpit-header .wr-status") == "Identified"  # the fresh state
    assert casey.input_value("#wr-update-body") == "Rolled back the deploy; a few slow requests remain."
    assert casey.input_value("#wr-update-status") == "resolved"
    assert casey.input_value(f"select[name=component-{checkout.pk}]") == "degraded_performance"
    assert not StatusUpdate.objects.exists()
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.IDENTIFIED

    # Reviewed: resubmitting from the fresh page publishes.
    casey.click("button:has-text('Publish status update')")
    casey.wait_for_selector(".messagelist .success")
    assert StatusUpdate.objects.get().body == "Rolled back the deploy; a few slow requests remain."
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.RESOLVED

    # Alice's page is now out of date: her "Start monitoring" is refused, not applied over the resolution.
    alice_page.click("button[data-move=monitoring]")
    alice_page.wait_for_selector(".messagelist .error")
    assert "was changed by casey at " in alice_page.inner_text(".messagelist .error")
    assert alice_page.inner_text(".wr-cockpit-header .wr-status") == "Resolved"
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.RESOLVED
    casey_context.close()
    alice_context.close()
