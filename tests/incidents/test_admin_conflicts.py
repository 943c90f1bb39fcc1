"""The cockpit refuses a form rendered from an older version: the message names who changed the incident
and when, the page shows the fresh values, and what the user typed is kept for review."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from incidents import roles, services
from incidents.models import Incident, IncidentStatus, TimelineKind
from incidents.statuspage.models import StatusUpdate
from tests.conftest import make_user
from tests.factories import ComponentFactory, IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _at_10_32():
    with time_machine.travel(datetime(2026, 11, 27, 10, 32, tzinfo=UTC), tick=False):
        yield


CHANGED = "was changed by alice at 10:32 UTC, review and resubmit."


@pytest.fixture
def alice(django_user_model):
    return make_user(django_user_model, "alice", roles.COMMANDER)


def cockpit(incident: Incident) -> str:
    return reverse("admin:incidents_incident_change", args=[incident.pk])


def action(incident: Incident, name: str) -> str:
    return reverse("admin:incidents_incident_cockpit", args=[incident.pk, name])


def hidden_version(page: str, form_action: str) -> str:
    """The version input of the form posting to `form_action`, as rendered."""
    form = page.split(f'action="{form_action}"', 1)[1].split("</form>", 1)[0]
    match = re.search(r'name="version" value="(\d+)"', form)
    assert match, f"no version in the form posting to {form_action}"
    return match.group(1)


def test_every_cockpit_form_carries_the_version_it_was_rendered_from(commander_client, commander, severities):
    incident = IncidentFactory.create(by=commander, level="P2")
    services.incident_change_severity(incident, severity=severities["P1"], by=commander)
    page = commander_client.get(cockpit(incident)).content.decode()
    for name in ("acknowledge", "move-identified", "move-resolved", "severity"):
        assert hidden_version(page, action(incident, name)) == "2"
    publish = reverse("admin:statuspage_statusupdate_cockpit", args=[incident.pk, "publish"])
    assert hidden_version(page, publish) == "2"
    assert '<input type="hidden" name="version" value="2" id="id_version">' in page  # the details form


def test_a_stale_status_move_is_refused_and_the_fresh_status_shown(commander_client, commander, alice, severities):
    incident = IncidentFactory.create(by=commander)
    version = commander_client.get(cockpit(incident)).content.decode()
    seen = hidden_version(version, action(incident, "move-monitoring"))
    services.incident_move_status(incident, status=IncidentStatus.RESOLVED, by=alice)  # in another tab

    response = commander_client.post(action(incident, "move-monitoring"), {"version": seen}, follow=True)

    page = response.content.decode()
    assert f"{incident.reference} {CHANGED}" in page
    assert 'wr-status wr-status-resolved">Resolved' in page  # the fresh state
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.RESOLVED
    assert not incident.timeline.filter(kind=TimelineKind.STATUS, author=commander).exists()


def test_a_stale_acknowledge_is_refused(commander_client, commander, alice, severities):
    incident = IncidentFactory.create(by=commander)
    services.incident_change_severity(incident, severity=severities["P1"], by=alice)
    page = commander_client.post(action(incident, "acknowledge"), {"version": "1"}, follow=True).content.decode()
    assert CHANGED in page
    assert Incident.objects.get(pk=incident.pk).acknowledged_at is None


def test_a_stale_severity_change_keeps_the_chosen_severity_and_reason(commander_client, commander, alice, severities):
    incident = IncidentFactory.create(by=commander, level="P3")
    services.incident_acknowledge(incident, by=alice)
    response = commander_client.post(
        action(incident, "severity"),
        {"version": "1", "severity": severities["P1"].pk, "reason": "checkout is down for everyone"},
        follow=True,
    )
    page = response.content.decode()
    assert CHANGED in page
    assert 'value="checkout is down for everyone"' in page
    assert f'<option value="{severities["P1"].pk}" selected>' in page
    assert re.search(r"acknowledged <time datetime=\"[^\"]+\">10:32 UTC</time> by [Aa]lice", page)
    assert Incident.objects.get(pk=incident.pk).severity.level == "P3"
    # Kept once: the next visit shows the incident's own severity again.
    again = commander_client.get(cockpit(incident)).content.decode()
    assert f'<option value="{severities["P3"].pk}" selected>' in again


def test_the_current_version_is_accepted(commander_client, commander, severities):
    incident = IncidentFactory.create(by=commander)
    page = commander_client.post(action(incident, "acknowledge"), {"version": "1"}, follow=True).content.decode()
    assert "acknowledged" in page
    assert Incident.objects.get(pk=incident.pk).version == 2


def test_a_malformed_version_is_a_message_not_an_error(commander_client, commander, severities):
    incident = IncidentFactory.create(by=commander)
    response = commander_client.post(action(incident, "acknowledge"), {"version": "abc"}, follow=True)
    assert response.status_code == 200
    assert "The version must be a whole number" in response.content.decode()
    assert Incident.objects.get(pk=incident.pk).acknowledged_at is None


def test_ticking_an_item_someone_ticked_is_refused_naming_them(commander_client, commander, alice, severities):
    incident = IncidentFactory.create(by=commander)
    item = incident.checklist.get(position=2)
    services.checklist_item_tick(item, by=alice)
    page = commander_client.post(action(incident, "tick"), {"item": item.pk}, follow=True).content.decode()
    assert "was already ticked by alice at 10:32 UTC" in page
    assert incident.timeline.filter(kind=TimelineKind.CHECKLIST).count() == 1


def details_post(incident: Incident, page: str, **changes: str) -> dict[str, object]:
    """The details form as the browser would post it: every rendered value (hidden initials included)."""
    data: dict[str, object] = {}
    form = page.split('id="incident_form"', 1)[1].split("</form>", 1)[0]
    for name, value in re.findall(r'<input type="(?:text|hidden|number|url)" name="([^"]+)" value="([^"]*)"', form):
        data[name] = value
    for name, value in re.findall(r'<input[^>]+name="([^"]+)"[^>]+value="([^"]*)"[^>]*type="hidden"', form):
        data.setdefault(name, value)
    data.setdefault("title", incident.title)
    data.setdefault("summary", incident.summary)
    data.setdefault("initial-summary", incident.summary)
    data["commander"] = incident.commander_id or ""
    data.setdefault("public_impact_override", "")
    data.update(changes)
    data["_continue"] = "1"
    return {k: v for k, v in data.items() if k != "csrfmiddlewaretoken"}


def test_a_stale_details_save_is_refused_with_fresh_values_and_the_users_edit_kept(
    commander_client, commander, alice, severities
):
    incident = IncidentFactory.create(by=commander, title="Checkout errors", summary="500s")
    page = commander_client.get(cockpit(incident)).content.decode()
    form = details_post(incident, page, summary="500s on checkout since 10:20")  # the user edits the summary
    assert form["version"] == "1"
    assert form["initial-title"] == "Checkout errors"
    services.incident_update_details(incident, by=alice, title="Checkout down", external_ticket="PD-42")

    response = commander_client.post(cockpit(incident), form)

    assert response.status_code == 200  # shown again, not saved
    shown = response.content.decode()
    assert f"{incident.reference} {CHANGED}" in shown
    assert "Changed meanwhile: Title, External ticket." in shown
    assert 'name="title" value="Checkout down"' in shown  # the fresh value of a field the user left alone
    assert 'value="PD-42"' in shown
    assert "500s on checkout since 10:20</textarea>" in shown  # the user's own edit, kept
    assert 'name="version" value="2"' in shown  # resubmitting now means "I have reviewed"
    fresh = Incident.objects.get(pk=incident.pk)
    assert (fresh.title, fresh.summary, fresh.version) == ("Checkout down", "500s", 2)

    # Resubmitting the reviewed form applies the user's edit without reverting Alice's.
    resubmit = details_post(fresh, shown, summary="500s on checkout since 10:20")
    assert resubmit["version"] == "2"
    saved = commander_client.post(cockpit(incident), resubmit)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    fresh.refresh_from_db()
    assert (fresh.title, fresh.summary, fresh.external_ticket) == (
        "Checkout down",
        "500s on checkout since 10:20",
        "PD-42",
    )


def test_a_stale_publish_is_refused_and_the_message_and_choices_kept(commander_client, commander, alice, severities):
    checkout = ComponentFactory.create(name="Checkout")
    incident = IncidentFactory.create(by=commander, level="P2", public=True, components=[checkout])
    publish = reverse("admin:statuspage_statusupdate_cockpit", args=[incident.pk, "publish"])
    services.incident_move_status(incident, status=IncidentStatus.IDENTIFIED, by=alice)

    response = commander_client.post(
        publish,
        {
            "version": "1",
            "status": "monitoring",
            "body": "A fix is rolling out; we are watching error rates.",
            f"component-{checkout.pk}": "degraded_performance",
        },
        follow=True,
    )

    page = response.content.decode()
    assert CHANGED in page
    assert "A fix is rolling out; we are watching error rates.</textarea>" in page
    assert '<option value="monitoring" selected>' in page
    assert '<option value="degraded_performance" selected>' in page
    assert not StatusUpdate.objects.exists()
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.IDENTIFIED


def test_someone_else_can_still_add_notes_meanwhile(commander_client, commander, severities):
    """Notes only append: they never conflict, and do not make other forms stale."""
    incident = IncidentFactory.create(by=commander)
    services.incident_add_note(incident, by=UserFactory.create(), text="Seen on the EU cluster too.")
    page = commander_client.post(action(incident, "acknowledge"), {"version": "1"}, follow=True).content.decode()
    assert CHANGED not in page
    assert Incident.objects.get(pk=incident.pk).acknowledged_at is not None
