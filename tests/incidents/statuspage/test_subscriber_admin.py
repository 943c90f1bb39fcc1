"""The subscribers in the admin (state, counts per component, CSV export, bounced quarantine) and the
cockpit's "Tell subscribers" choice with how many will be told."""

from __future__ import annotations

import csv
import io

import pytest
from django.core import mail
from django.utils import timezone

from incidents.outbox.models import Notification
from incidents.statuspage.models import Subscriber, SubscriberKind, SubscriberState
from tests.factories import ComponentFactory, IncidentFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/statuspage/subscriber/"


def make(email: str, state=SubscriberState.ACTIVE, components=()) -> Subscriber:
    subscriber = Subscriber.objects.create(
        kind=SubscriberKind.EMAIL, email=email, state=state, confirmed_at=timezone.now()
    )
    subscriber.components.set(components)
    return subscriber


@pytest.fixture
def api(severities):
    return ComponentFactory.create(name="API")


def test_the_list_shows_state_and_counts_per_component(commander_client, api, django_assert_max_num_queries):
    for n in range(20):
        make(f"s{n}@example.com", components=[api] if n % 2 else [])
    make("=cmd@example.com", state=SubscriberState.UNCONFIRMED)
    with django_assert_max_num_queries(14):
        response = commander_client.get(CHANGELIST)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<th scope="row">All components</th><td>10</td>' in page
    assert '<th scope="row">API</th><td>10</td>' in page
    assert "Unconfirmed" in page


def test_a_subscriber_page_opens(commander_client, api):
    subscriber = make("ada@example.com", components=[api])
    assert commander_client.get(f"{CHANGELIST}{subscriber.pk}/change/").status_code == 200
    assert commander_client.get(f"{CHANGELIST}add/").status_code == 403  # people subscribe themselves


def test_export_csv_neutralises_formulas(commander_client, api):
    make("ada@example.com", components=[api])
    make("=cmd@example.com")
    ids = [str(pk) for pk in Subscriber.objects.values_list("pk", flat=True)]
    response = commander_client.post(CHANGELIST, {"action": "export_csv", "_selected_action": ids})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["kind", "address", "state", "components", "created_at", "confirmed_at"]
    assert rows[1][:4] == ["email", "ada@example.com", "active", "API"]
    assert rows[2][1] == "'=cmd@example.com"


def test_a_bounced_address_is_quarantined_and_told_nothing(
    commander_client, commander, api, django_capture_on_commit_callbacks
):
    bounced = make("bounced@example.com")
    commander_client.post(CHANGELIST, {"action": "quarantine", "_selected_action": [bounced.pk]})
    bounced.refresh_from_db()
    assert bounced.state == SubscriberState.QUARANTINED
    incident = IncidentFactory.create(by=commander, level="P2", public=True, components=[api])
    from incidents.statuspage import services

    with django_capture_on_commit_callbacks(execute=True):
        services.status_update_publish(incident, status="investigating", body="Looking.", by=commander)
    assert not Notification.objects.exists()
    commander_client.post(CHANGELIST, {"action": "reactivate", "_selected_action": [bounced.pk]})
    bounced.refresh_from_db()
    assert bounced.state == SubscriberState.ACTIVE


def test_a_viewer_cannot_quarantine(viewer_client, api):
    subscriber = make("ada@example.com")
    viewer_client.post(CHANGELIST, {"action": "quarantine", "_selected_action": [subscriber.pk]})
    subscriber.refresh_from_db()
    assert subscriber.state == SubscriberState.ACTIVE


def test_the_cockpit_says_how_many_will_be_told_and_may_tell_nobody(
    commander_client, commander, api, django_capture_on_commit_callbacks
):
    make("a@example.com")
    make("b@example.com", components=[api])
    make("c@example.com", components=[ComponentFactory.create(name="Other")])
    incident = IncidentFactory.create(by=commander, level="P2", public=True, components=[api])
    page = commander_client.get(f"/admin/incidents/incident/{incident.pk}/change/").content.decode()
    assert "2 subscribers will be told" in page
    assert 'name="deliver_notifications" id="wr-update-deliver" checked' in page
    url = f"/admin/statuspage/statusupdate/incident/{incident.pk}/publish/"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        commander_client.post(url, {"status": "investigating", "body": "Quiet one."})  # box unticked
    assert not Notification.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        commander_client.post(url, {"status": "identified", "body": "Found it.", "deliver_notifications": "on"})
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.com", "b@example.com"]


def test_the_api_publishes_with_or_without_telling(commander_api, commander, api, django_capture_on_commit_callbacks):
    make("a@example.com")
    incident = IncidentFactory.create(by=commander, level="P2", public=True, components=[api])
    url = f"/api/incidents/{incident.reference}/status-updates/"
    with django_capture_on_commit_callbacks(execute=True):
        quiet = commander_api.post(url, {"status": "investigating", "body": "Quiet.", "deliver_notifications": False})
    assert quiet.status_code == 201, quiet.content
    assert quiet.json()["deliver_notifications"] is False
    assert not Notification.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        told = commander_api.post(url, {"status": "identified", "body": "Found."}, format="json")
    assert told.json()["deliver_notifications"] is True
    assert Notification.objects.count() == 1
