"""Counters of events outside the incident's own life: HTTP requests, the outbox's retries and failures,
alert payloads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from incidents.alerts import services as alerts
from incidents.outbox import services as notify
from tests.conftest import closed_port
from tests.factories import IncidentFactory
from tests.incidents.metrics.conftest import value

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def test_http_requests_are_counted_by_view_name_not_path(client, commander, scrape, severities):
    incident = IncidentFactory.create(by=commander, level="P3")
    before = scrape()
    assert client.get("/healthz").status_code == 200
    assert client.get("/no/such/page/at-all").status_code == 404
    client.force_login(commander)
    assert client.get(f"/api/incidents/{incident.reference}/").status_code == 200
    assert client.generic("BREW", "/healthz").status_code == 200  # healthz answers any method
    after = scrape()

    def moved(**labels: str) -> float:
        return value(after, "warroom_http_requests_total", **labels) - value(
            before, "warroom_http_requests_total", **labels
        )

    assert moved(view="healthz", method="GET", status="200") == 1
    assert moved(view="<unresolved>", method="GET", status="404") == 1
    assert moved(view="incident-detail", method="GET", status="200") == 1
    assert moved(view="healthz", method="other", status="200") == 1
    labels = {label for (_, series) in after for label in series}
    assert not any(incident.reference in text or "no/such" in text for _, text in labels)
    assert value(after, "warroom_http_request_duration_seconds_count", view="healthz") >= 1


def test_outbox_retries_and_failures_by_channel(
    severities, commander, scrape, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    settings.NOTIFY_RETRY_BASE_SECONDS = 10
    incident = IncidentFactory.create(by=commander, level="P2")
    before = scrape()
    refused = f"json://127.0.0.1:{closed_port()}/nobody"
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        notify.enqueue(target=refused, subject="s", body="b", about=incident)
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False), django_capture_on_commit_callbacks(execute=True):
        notify.requeue_undelivered()
    after = scrape()
    for name, change in (
        ("warroom_outbox_queued_total", 1),
        ("warroom_outbox_retried_total", 1),
        ("warroom_outbox_failed_total", 1),
        ("warroom_outbox_delivered_total", 0),
    ):
        assert value(after, name, channel="apprise") - value(before, name, channel="apprise") == change, name
    assert value(after, "warroom_outbox_notifications", channel="apprise", status="failed") == 1


def test_alert_payloads_received_and_rejected_by_integration(
    client, severities, scrape, django_capture_on_commit_callbacks
):
    _integration, key = alerts.integration_create(name="Backups", kind="generic", default_severity=severities["P3"])
    before = scrape()
    url = f"/api/integrations/{key}/generic/"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data=b'{"title": "x", ', content_type="application/json").status_code == 400
        good = {"title": "Nightly backup did not finish", "status": "firing", "dedup_key": "backup"}
        response = client.post(url, data=good, content_type="application/json")
    assert response.status_code == 202, response.content
    after = scrape()
    labels = {"integration": "Backups", "endpoint": "generic"}
    received = "warroom_alert_payloads_received_total"
    rejected = "warroom_alert_payloads_rejected_total"
    assert value(after, received, **labels) - value(before, received, **labels) == 2
    assert value(after, rejected, **labels) - value(before, rejected, **labels) == 1
