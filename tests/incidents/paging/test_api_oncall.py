"""Paging in the API: escalation policies (secrets redacted as in the admin), rotations, who is on call
now and at `?at=`, and an incident's notifications with retry."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.outbox import services as notify
from incidents.outbox.models import Notification, NotificationStatus
from incidents.paging.models import EscalationPolicy, EscalationStep, Rotation, RotationMember, RotationOverride
from tests.conftest import api_for
from tests.factories import IncidentFactory, UserFactory
from tests.incidents.paging.test_secrets import MAIL, SLACK, assert_no_secret

pytestmark = pytest.mark.django_db


def count_queries(api, url: str, **params) -> tuple[int, dict]:
    api.get(url, params)  # the user's permissions are cached from here on
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url, params)
    assert response.status_code == 200, response.content
    return len(queries), response.json()


def make_rotation(name: str, members: int = 3) -> Rotation:
    rotation = Rotation.objects.create(
        name=name,
        time_zone="Europe/Berlin",
        shift_length=timedelta(days=7),
        handoff_time=time(9, 0),
        start_date=date(2026, 3, 16),
    )
    for position in range(members):
        user = UserFactory.create(username=f"{name.lower().replace(' ', '-')}-{position}")
        RotationMember.objects.create(rotation=rotation, user=user, position=position)
    return rotation


@pytest.fixture
def policy_with_urls(severities):
    severity = severities["P4"]
    EscalationPolicy.objects.filter(severity=severity).delete()
    policy = EscalationPolicy.objects.create(severity=severity, name="P4 chat")
    EscalationStep.objects.create(policy=policy, offset=timedelta(0), tier="Chat", apprise_urls=f"{SLACK}\n{MAIL}")
    return policy


def test_viewer_reads_policies_with_apprise_urls_redacted(viewer, policy_with_urls):
    response = api_for(viewer).get(f"/api/escalation-policies/{policy_with_urls.pk}/")
    assert response.status_code == 200
    assert_no_secret(response.content.decode())
    step = response.json()["steps"][0]
    assert step["tier"] == "Chat"
    assert step["apprise_urls"][0].startswith("slack://T...G/B...G/s...9")
    assert_no_secret(api_for(viewer).get("/api/escalation-policies/").content.decode())


def test_commander_sees_the_real_urls_as_in_the_admin(commander, policy_with_urls):
    step = api_for(commander).get(f"/api/escalation-policies/{policy_with_urls.pk}/").json()["steps"][0]
    assert step["apprise_urls"] == [SLACK, MAIL]


def test_policies_list_queries_do_not_grow_with_rows(viewer, severities):
    api = api_for(viewer)
    before, first = count_queries(api, "/api/escalation-policies/")
    rotation = make_rotation("Ops", members=1)
    for policy in EscalationPolicy.objects.all():
        for number in range(3):
            step = EscalationStep.objects.create(
                policy=policy, offset=timedelta(minutes=90 + number), tier=f"Extra {number}", on_call_rotation=rotation
            )
            step.users.add(UserFactory.create())
    after, second = count_queries(api, "/api/escalation-policies/")
    assert after == before
    assert sum(len(row["steps"]) for row in second["results"]) == sum(
        len(row["steps"]) for row in first["results"]
    ) + 3 * len(first["results"])


def test_rotations_list_and_who_is_on_call_at_a_moment(viewer):
    rotation = make_rotation("Berlin weekly")
    RotationOverride.objects.create(
        rotation=rotation,
        user=UserFactory.create(username="sub"),
        starts_at=datetime(2026, 3, 17, 12, 0, tzinfo=UTC),
        ends_at=datetime(2026, 3, 18, 12, 0, tzinfo=UTC),
    )
    api = api_for(viewer)
    listed = api.get("/api/rotations/").json()["results"]
    assert [member["user"] for member in listed[0]["members"]] == [
        "berlin-weekly-0",
        "berlin-weekly-1",
        "berlin-weekly-2",
    ]
    before = api.get(f"/api/rotations/{rotation.pk}/on-call/", {"at": "2026-03-17T11:00:00Z"}).json()
    assert before["shift"]["user"] == "berlin-weekly-0"
    assert before["shift"]["ends_at"] == "2026-03-17T12:00:00Z"
    assert before["next_shift"]["user"] == "sub"
    during = api.get(f"/api/rotations/{rotation.pk}/on-call/", {"at": "2026-03-17T13:00:00+00:00"}).json()
    assert (during["shift"]["user"], during["shift"]["override"]) == ("sub", True)
    # 09:00 Berlin hand-off (08:00 UTC in March): the second member's week.
    week_two = api.get("/api/rotations/on-call/", {"at": "2026-03-23T08:00:00Z"}).json()["results"][0]
    assert week_two["shift"]["user"] == "berlin-weekly-1"


def test_on_call_now_follows_the_clock(viewer):
    rotation = make_rotation("Berlin weekly")
    api = api_for(viewer)
    with time_machine.travel(datetime(2026, 3, 24, 12, 0, tzinfo=UTC), tick=False):
        now = api.get(f"/api/rotations/{rotation.pk}/on-call/").json()
    assert now["shift"]["user"] == "berlin-weekly-1"
    assert now["at"] == "2026-03-24T12:00:00Z"


@pytest.mark.parametrize(
    "at", ["yesterday", "2026-13-01T00:00:00Z", "2026-03-17T25:00", "9999-12-31T23:00:00Z", "0001-01-01T00:00:00Z"]
)
def test_malformed_at_is_a_400_naming_it(viewer, at):
    rotation = make_rotation("Ops", members=1)
    for url in (f"/api/rotations/{rotation.pk}/on-call/", "/api/rotations/on-call/"):
        response = api_for(viewer).get(url, {"at": at})
        assert response.status_code == 400
        assert "at" in response.json()


def test_shifts_past_the_calendar_are_a_400_naming_at(viewer):
    rotation = make_rotation("Millennial", members=2)
    Rotation.objects.filter(pk=rotation.pk).update(shift_length=timedelta(days=365 * 3000))
    response = api_for(viewer).get(f"/api/rotations/{rotation.pk}/on-call/", {"at": "9000-01-01T00:00:00Z"})
    assert response.status_code == 400
    assert "at" in response.json()


def test_rotation_without_members_has_nobody_on_call(viewer):
    rotation = make_rotation("Empty", members=0)
    body = api_for(viewer).get(f"/api/rotations/{rotation.pk}/on-call/").json()
    assert body["shift"] is None
    assert body["next_shift"] is None


def test_rotations_and_on_call_queries_do_not_grow_with_rows(viewer):
    api = api_for(viewer)
    make_rotation("First")
    at = {"at": "2026-03-17T11:00:00Z"}
    rotations_before, _ = count_queries(api, "/api/rotations/")
    on_call_before, _ = count_queries(api, "/api/rotations/on-call/", **at)
    for number in range(4):
        rotation = make_rotation(f"More {number}")
        RotationOverride.objects.create(
            rotation=rotation,
            user=UserFactory.create(),
            starts_at=datetime(2026, 3, 17, 12, 0, tzinfo=UTC),
            ends_at=datetime(2026, 3, 18, 12, 0, tzinfo=UTC),
        )
    rotations_after, listed = count_queries(api, "/api/rotations/")
    on_call_after, on_call = count_queries(api, "/api/rotations/on-call/", **at)
    assert len(listed["results"]) == len(on_call["results"]) >= 5
    assert (rotations_after, on_call_after) == (rotations_before, on_call_before)
    assert {row["next_shift"]["override"] for row in on_call["results"] if row["rotation_name"].startswith("More")} == {
        True
    }


def test_paging_reads_need_a_role(db, django_user_model, policy_with_urls):
    nobody = django_user_model.objects.create_user(username="nobody", password="pw")
    for url in ("/api/escalation-policies/", "/api/rotations/", "/api/rotations/on-call/"):
        assert api_for(nobody).get(url).status_code == 403


@pytest.fixture
def failed_delivery(severities, commander, monkeypatch, django_capture_on_commit_callbacks, settings):
    def leaky_send(url: str, subject: str, body: str) -> None:
        raise ConnectionError(f"Max retries exceeded with url {url.split('://', 1)[1]}")

    settings.NOTIFY_MAX_ATTEMPTS = 1
    monkeypatch.setattr("incidents.outbox.services.send_apprise", leaky_send)
    incident = IncidentFactory.create(by=commander, level="P2")
    with django_capture_on_commit_callbacks(execute=True):
        notify.enqueue(target=SLACK, subject="Paging", body="b", about=incident)
        notify.enqueue(target=MAIL, subject="Paging", body="b", about=incident)
    return incident


def test_notifications_of_an_incident_hide_secrets(viewer, failed_delivery):
    other = IncidentFactory.create(by=viewer, level="P3")
    notify.enqueue(target="email:elsewhere@example.com", subject="Other", body="b", about=other)
    response = api_for(viewer).get(f"/api/incidents/{failed_delivery.reference}/notifications/")
    assert response.status_code == 200
    assert_no_secret(response.content.decode())
    rows = response.json()["results"]
    assert len(rows) == 2
    assert {row["status"] for row in rows} == {"failed"}
    assert {row["channel"] for row in rows} == {"apprise"}
    assert "slack://T...G/B...G/s...9/%23incidents/" in {row["target"] for row in rows}
    assert all("Max retries exceeded" in row["last_error"] for row in rows)


def test_notifications_list_queries_do_not_grow_with_rows(viewer, commander, severities):
    incident = IncidentFactory.create(by=commander, level="P2")
    url = f"/api/incidents/{incident.reference}/notifications/"
    api = api_for(viewer)
    notify.enqueue(target=commander, subject="First", body="b", about=incident)
    before, _ = count_queries(api, url)
    for number in range(5):
        notify.enqueue(target=UserFactory.create(), subject=f"More {number}", body="b", about=incident)
        notify.enqueue(target=f"email:n{number}@example.com", subject=f"More {number}", body="b", about=incident)
    after, body = count_queries(api, url)
    assert body["count"] == Notification.objects.filter(about_id=incident.pk).count() >= 11
    assert after == before


def test_retry_a_failed_notification_sends_it_through_the_outbox(
    commander, failed_delivery, monkeypatch, django_capture_on_commit_callbacks
):
    sent: list[str] = []
    monkeypatch.setattr("incidents.outbox.services.send_apprise", lambda url, subject, body: sent.append(url))
    failed = Notification.objects.filter(about_id=failed_delivery.pk).order_by("id")[0]
    url = f"/api/incidents/{failed_delivery.reference}/notifications/{failed.pk}/retry/"
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(commander).post(url)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending"  # as it was when answered; delivered after the commit
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (NotificationStatus.SENT, 1)
    assert sent == [failed.target]
    assert failed_delivery.timeline.filter(data__notification=failed.pk, data__status="sent").exists()


def test_retry_needs_the_admins_retry_permission(responder, viewer, failed_delivery):
    failed = Notification.objects.filter(about_id=failed_delivery.pk).order_by("id")[0]
    url = f"/api/incidents/{failed_delivery.reference}/notifications/{failed.pk}/retry/"
    assert api_for(responder).post(url).status_code == 403
    assert api_for(viewer).post(url).status_code == 403
    failed.refresh_from_db()
    assert failed.status == NotificationStatus.FAILED


def test_retry_of_a_sent_notification_is_a_400_naming_status(commander, failed_delivery):
    failed = Notification.objects.filter(about_id=failed_delivery.pk).order_by("id")[0]
    Notification.objects.filter(pk=failed.pk).update(status=NotificationStatus.SENT)
    response = api_for(commander).post(f"/api/incidents/{failed_delivery.reference}/notifications/{failed.pk}/retry/")
    assert response.status_code == 400
    assert "status" in response.json()


def test_retry_of_another_incidents_notification_is_a_404(commander, failed_delivery):
    other = IncidentFactory.create(by=commander, level="P3")
    failed = Notification.objects.filter(about_id=failed_delivery.pk).order_by("id")[0]
    response = api_for(commander).post(f"/api/incidents/{other.reference}/notifications/{failed.pk}/retry/")
    assert response.status_code == 404
