import pytest

from incidents.models import Incident, TimelineKind

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_declare_p1_and_acknowledge_in_the_cockpit(live_server, login, commander, severities):
    page = login(commander.username)
    page.click("text=Declare an incident")
    page.fill("#id_title", "Checkout returns 500")
    page.check("#id_service_down")
    # The suggestion follows the runbook criteria and preselects P1.
    page.wait_for_selector("#wr-suggestion:has-text('Suggested severity: P1')")
    assert page.locator("#id_severity option:checked").inner_text().startswith("P1")
    page.click("input[name=_save]")

    page.wait_for_selector(".wr-cockpit")
    incident = Incident.objects.get(title="Checkout returns 500")
    assert incident.severity.level == "P1"
    assert incident.reference in page.inner_text(".wr-cockpit-header")
    page.click("button:has-text('Acknowledge')")
    page.wait_for_selector(".wr-entry-acknowledged")

    timeline = page.inner_text(".wr-timeline-list")
    assert "Declared as P1" in timeline
    assert "Acknowledged" in timeline
    incident.refresh_from_db()
    assert incident.acknowledged_at is not None
    assert list(incident.timeline.values_list("kind", flat=True)) == [TimelineKind.ACKNOWLEDGED, TimelineKind.DECLARED]
    page.screenshot(path="var/cockpit.png", full_page=True)
