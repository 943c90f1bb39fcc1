"""Admin: integrations (key once, rotate, test alert, URL and snippet), the payload audit and replay,
the cockpit's Alerts panel; smoke and query-count tests."""

from __future__ import annotations

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from incidents.alerts import selectors, services
from incidents.alerts.models import Integration, Outcome, Payload
from incidents.models import Incident
from tests.incidents.alerts.conftest import T0, am_payload, raw

pytestmark = pytest.mark.django_db


def messages_of(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.mark.parametrize("name", ["integration", "payload"])
def test_admin_pages_render(commander_client, integration, name):
    services.receive(integration, endpoint="alertmanager", raw=raw(am_payload("Latency")))
    payload = Payload.objects.get()
    obj = integration if name == "integration" else payload
    assert commander_client.get(reverse(f"admin:alerts_{name}_changelist")).status_code == 200
    assert commander_client.get(reverse(f"admin:alerts_{name}_change", args=[obj.pk])).status_code == 200
    if name == "integration":
        assert commander_client.get(reverse("admin:alerts_integration_add")).status_code == 200


def test_adding_an_integration_shows_its_key_once_with_url_and_snippet(commander_client, severities):
    response = commander_client.post(
        reverse("admin:alerts_integration_add"),
        {
            "name": "Prometheus",
            "kind": "alertmanager",
            "active": "on",
            "default_severity": severities["P2"].pk,
            "severity_rules": "severity=critical: P1",
            "component_rules": "",
            "dedupe_window": "01:00:00",
            "on_resolved": "monitoring",
            "max_incidents_per_hour": "20",
            "heartbeat_minutes": "",
        },
        follow=True,
    )
    assert response.status_code == 200
    integration = Integration.objects.get()
    shown = messages_of(response) + response.content.decode()
    key = shown.split("shown only now: <code>")[1].split("</code>")[0]
    assert selectors.integration_for_key(key) == integration
    assert f"/api/integrations/{key}/alertmanager/" in shown
    assert "webhook_configs:" in shown
    assert f"credentials: {key}" in shown
    # The change page never shows the key again, only the URL shape and the snippet.
    page = commander_client.get(reverse("admin:alerts_integration_change", args=[integration.pk])).content.decode()
    assert key not in page
    assert "/api/integrations/alertmanager/" in page
    assert "webhook_configs:" in page


def test_bad_rules_are_a_form_message_not_a_500(commander_client, severities):
    response = commander_client.post(
        reverse("admin:alerts_integration_add"),
        {
            "name": "Prometheus",
            "kind": "alertmanager",
            "default_severity": severities["P2"].pk,
            "severity_rules": "nonsense",
            "dedupe_window": "01:00:00",
            "on_resolved": "monitoring",
            "max_incidents_per_hour": "20",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "label=value: target" in messages_of(response)
    assert not Integration.objects.exists()


def test_rotate_key_shows_a_new_key_and_the_old_stops_working(commander_client, integration, key):
    response = commander_client.post(reverse("admin:alerts_rotate_key", args=[integration.pk]), follow=True)
    new_key = messages_of(response).split("shown only now: <code>")[1].split("</code>")[0]
    assert new_key != key
    assert selectors.integration_for_key(key) is None
    assert selectors.integration_for_key(new_key) == integration


def test_rotate_needs_a_post(commander_client, integration, key):
    assert commander_client.get(reverse("admin:alerts_rotate_key", args=[integration.pk])).status_code == 403
    assert selectors.integration_for_key(key) == integration


def test_rotate_and_test_alert_need_change_permission(viewer_client, integration, key):
    assert viewer_client.post(reverse("admin:alerts_rotate_key", args=[integration.pk])).status_code == 403
    assert viewer_client.post(reverse("admin:alerts_test_alert", args=[integration.pk])).status_code == 403
    assert selectors.integration_for_key(key) == integration


def test_send_a_test_alert_declares_an_incident(commander_client, integration):
    response = commander_client.post(reverse("admin:alerts_test_alert", args=[integration.pk]), follow=True)
    assert "Test alert sent: declared INC-" in messages_of(response)
    assert Incident.objects.get().title == "Test alert from Prometheus"
    assert Payload.objects.get().outcome == Outcome.DECLARED


def test_replay_from_the_audit_list(commander_client, integration):
    with time_machine.travel(T0, tick=False):
        services.receive(integration, endpoint="alertmanager", raw=raw(am_payload("Latency")))
        Incident.objects.all().delete()
        payload = Payload.objects.get()
        response = commander_client.post(
            reverse("admin:alerts_payload_changelist"),
            {"action": "replay", "_selected_action": [payload.pk]},
            follow=True,
        )
    assert "Replayed 1: declared INC-" in messages_of(response)
    assert Incident.objects.count() == 1
    assert Payload.objects.count() == 2


def test_cockpit_lists_the_incident_alerts(commander_client, integration):
    with time_machine.travel(T0, tick=False):
        services.receive(integration, endpoint="alertmanager", raw=raw(am_payload("Latency", alerts=2, job="api")))
    incident = Incident.objects.get()
    page = commander_client.get(reverse("admin:incidents_incident_change", args=[incident.pk])).content.decode()
    assert "<h3>Alerts</h3>" in page
    assert "host-1" in page
    assert "http://prometheus.example.org/graph" in page


@pytest.mark.parametrize("name", ["integration", "payload"])
def test_admin_list_query_count_does_not_grow(commander_client, severities, name, django_assert_max_num_queries):
    url = reverse(f"admin:alerts_{name}_changelist")

    def add(n: int) -> None:
        integration, _ = services.integration_create(
            name=f"Source {n}", kind="generic", default_severity=severities["P3"]
        )
        with time_machine.travel(T0, tick=False):
            services.receive(integration, endpoint="alertmanager", raw=raw(am_payload(f"G{n}")))

    add(0)
    with django_assert_max_num_queries(40) as few:
        assert commander_client.get(url).status_code == 200
    for n in range(1, 8):
        add(n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert commander_client.get(url).status_code == 200
