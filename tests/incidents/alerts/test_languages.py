"""Alert intake in English and Italian: what it writes for everyone (incident titles, payload details,
the timeline) is in the site's language; the storm commander is told in their own; the panel and the
integration admin speak the reader's language; a malformed payload is refused in the site's."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse

from incidents.alerts import services
from incidents.models import Incident, UserPreference
from incidents.outbox.services import notifications_about
from tests.incidents.alerts.conftest import T0, am_payload, raw

pytestmark = pytest.mark.django_db


def send(integration, body):
    return services.receive(integration, endpoint="alertmanager", raw=raw(body))


@override_settings(LANGUAGE_CODE="it")
def test_an_italian_site_writes_italian_and_tells_the_commander_in_theirs(integration, commander):
    UserPreference.objects.update_or_create(user=commander, defaults={"language": "en"})
    commander.refresh_from_db()
    integration.max_incidents_per_hour = 1
    integration.save()
    with time_machine.travel(T0, tick=False):
        first = send(integration, am_payload("Group0")).payload
        assert first.detail.startswith("dichiarato INC-")
        send(integration, am_payload("Group1"))
        storm = Incident.objects.get(title="Tempesta di allarmi: Prometheus")
        storm.commander = commander
        storm.save()
        send(integration, am_payload("Group2"))
    told = notifications_about(storm).get(user=commander)
    assert "storm ceiling reached" in told.subject  # the commander reads English
    assert storm.timeline.filter(text__contains="raggiunto il limite della tempesta").exists()


@override_settings(LANGUAGE_CODE="it")
def test_a_malformed_payload_is_refused_in_the_site_language(integration):
    received = send(integration, {"status": "firing"})
    assert received.errors == {"groupKey": ["Questo campo è obbligatorio."]}


def test_alerts_panel_and_integration_admin_in_italian(commander, integration):
    UserPreference.objects.update_or_create(user=commander, defaults={"language": "it"})
    client = Client()
    client.force_login(commander)
    with time_machine.travel(T0, tick=False):
        send(integration, am_payload("DiskFull"))
    incident = Incident.objects.get()
    page = client.get(reverse("admin:incidents_incident_change", args=[incident.pk])).content.decode()
    assert "<h3>Allarmi</h3>" in page
    assert "Etichette e annotazioni" in page
    assert "Labels and annotations" not in page
    page = client.get(reverse("admin:alerts_integration_change", args=[integration.pk])).content.decode()
    assert "Invia un allarme di prova" in page
    assert "Rinnova la chiave" in page
    assert "Send a test alert" not in page
