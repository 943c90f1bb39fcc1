"""Subscribers are told of scheduled maintenance as of incidents: each maintenance update by email and
webhook (Statuspage's `incident` event with `impact: maintenance`), only those of its components, unless
the update says not to; a lost fan-out is caught by beat's sweep."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from incidents.outbox.models import Notification, NotificationStatus
from incidents.statuspage import services as status_services
from incidents.statuspage.models import MaintenanceStatus, MaintenanceUpdate, ScheduledMaintenance
from incidents.statuspage.tasks import tell_maintenance_update, tell_untold_updates
from tests.factories import ComponentFactory
from tests.incidents.statuspage.test_subscribers import active_subscriber, webhook_subscription
from tests.receiver import running_receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(severities):
    return ComponentFactory.create(name="API")


@pytest.fixture
def database(severities):
    return ComponentFactory.create(name="Database")


def schedule(by, components, **kwargs) -> ScheduledMaintenance:
    start = timezone.now() + timedelta(days=1)
    return status_services.maintenance_create(
        name="Database upgrade",
        scheduled_for=start,
        scheduled_until=start + timedelta(hours=2),
        by=by,
        components=components,
        **kwargs,
    )


def test_each_maintenance_update_tells_the_subscribers_of_its_components(
    commander, api, database, django_capture_on_commit_callbacks
):
    active_subscriber("all@example.com")
    active_subscriber("db@example.com", [database])
    active_subscriber("api@example.com", [api])
    with django_capture_on_commit_callbacks(execute=True):
        maintenance = schedule(commander, [database], body="We will upgrade the database.")
    assert sorted(m.to[0] for m in mail.outbox) == ["all@example.com", "db@example.com"]
    message = next(m for m in mail.outbox if m.to == ["db@example.com"])
    assert message.subject == "[Warroom] Maintenance: Database upgrade: Scheduled"
    assert "We will upgrade the database." in message.body
    assert f"Scheduled: {maintenance.scheduled_for:%Y-%m-%d %H:%M}" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        status_services.maintenance_update(maintenance, by=commander, status=MaintenanceStatus.IN_PROGRESS)
    assert sorted(m.to[0] for m in mail.outbox) == ["all@example.com", "db@example.com"]
    assert all(m.subject.endswith(": In progress") for m in mail.outbox)
    update = maintenance.updates.get(status=MaintenanceStatus.IN_PROGRESS)
    assert tell_maintenance_update(update.pk) == 2  # a retry writes nothing new
    assert Notification.objects.count() == 4


def test_an_update_may_tell_nobody(commander, api, django_capture_on_commit_callbacks):
    active_subscriber("all@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        maintenance = schedule(commander, [api], deliver_notifications=False)
        status_services.maintenance_update(
            maintenance, by=commander, body="Moved by an hour.", deliver_notifications=False
        )
    assert MaintenanceUpdate.objects.count() == 2
    assert not Notification.objects.exists()


def test_webhooks_get_the_maintenance_as_statuspage_sends_it(
    client, commander, api, django_capture_on_commit_callbacks
):
    with running_receiver() as receiver:
        subscriber, _secret = webhook_subscription(client, receiver.http_url("hook"))
        with django_capture_on_commit_callbacks(execute=True):
            maintenance = schedule(commander, [api], body="Planned upgrade.")
        assert Notification.objects.get(about_id=subscriber.pk).status == NotificationStatus.SENT
        ((_, headers, raw),) = [r for r in receiver.requests if r[0] == "hook" and b'"incident"' in r[2]]
    payload = json.loads(raw)
    assert set(payload) == {"meta", "page", "incident"}
    event = payload["incident"]
    assert (event["id"], event["name"], event["impact"]) == (maintenance.public_id, "Database upgrade", "maintenance")
    assert event["status"] == "scheduled"
    assert event["scheduled_for"].startswith(f"{maintenance.scheduled_for:%Y-%m-%dT%H:%M}")
    assert event["scheduled_until"].startswith(f"{maintenance.scheduled_until:%Y-%m-%dT%H:%M}")
    assert event["incident_updates"][0]["body"] == "Planned upgrade."
    assert event["backfilled"] is False
    assert "X-Warroom-Signature" in headers


def test_a_lost_maintenance_fanout_is_caught_by_the_sweep(commander, api, django_capture_on_commit_callbacks):
    active_subscriber("all@example.com")
    with time_machine.travel("2026-03-01 12:00:00Z", tick=False):
        with django_capture_on_commit_callbacks(execute=False):  # the queued fan-out is lost
            schedule(commander, [api])
        assert tell_untold_updates() == 0
    assert not Notification.objects.exists()
    with time_machine.travel("2026-03-01 12:03:00Z", tick=False):
        assert tell_untold_updates() == 1
        assert tell_untold_updates() == 0
    assert list(Notification.objects.values_list("target", flat=True)) == ["email:all@example.com"]


def test_the_admin_and_the_api_choose_whether_to_tell(
    commander_client, commander_api, api, django_capture_on_commit_callbacks
):
    active_subscriber("all@example.com")
    start = timezone.now() + timedelta(days=1)
    form = {
        "name": "Quiet window",
        "status": "scheduled",
        "impact": "maintenance",
        "scheduled_for_0": start.strftime("%Y-%m-%d"),
        "scheduled_for_1": start.strftime("%H:%M:%S"),
        "scheduled_until_0": (start + timedelta(hours=1)).strftime("%Y-%m-%d"),
        "scheduled_until_1": (start + timedelta(hours=1)).strftime("%H:%M:%S"),
        "components": [api.pk],
        "updates-TOTAL_FORMS": "0",
        "updates-INITIAL_FORMS": "0",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = commander_client.post("/admin/statuspage/scheduledmaintenance/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert MaintenanceUpdate.objects.get().deliver_notifications is False  # the box left unticked
    assert not mail.outbox
    body = {
        "name": "Loud window",
        "scheduled_for": start.isoformat(),
        "scheduled_until": (start + timedelta(hours=1)).isoformat(),
        "components": [api.pk],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = commander_api.post("/api/scheduled-maintenances/", body, format="json")
    assert response.status_code == 201, response.content
    assert [m.to[0] for m in mail.outbox] == ["all@example.com"]  # the API's default: tell
    with django_capture_on_commit_callbacks(execute=True):
        response = commander_api.post(
            "/api/scheduled-maintenances/", {**body, "deliver_notifications": False}, format="json"
        )
    assert response.status_code == 201, response.content
    assert len(mail.outbox) == 1
