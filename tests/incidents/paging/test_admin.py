"""Admin for escalation policies, rotations and notifications; heartbeat banner and health endpoints."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.outbox import services as notify
from incidents.outbox.models import Notification, NotificationStatus
from incidents.paging.models import EscalationPolicy, EscalationStep, Rotation, RotationMember, RotationOverride
from incidents.timers import engine as timers
from tests.factories import IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db


def policy_form(policy: EscalationPolicy, steps: list[dict]) -> dict:
    data = {
        "severity": policy.severity_id,
        "name": policy.name,
        "description": "",
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for index, step in enumerate(steps):
        for key, value in step.items():
            data[f"steps-{index}-{key}"] = value
    return data


@pytest.fixture
def empty_policy(severities):
    severity = severities["P4"]
    EscalationPolicy.objects.filter(severity=severity).delete()
    return EscalationPolicy.objects.create(severity=severity, name="P4 test policy")


def test_step_without_targets_is_refused_with_the_reason(commander_client, empty_policy):
    url = reverse("admin:paging_escalationpolicy_change", args=[empty_policy.pk])
    response = commander_client.post(
        url, policy_form(empty_policy, [{"offset": "00:05:00", "tier": "Nobody", "stop_condition": "acknowledged"}])
    )
    assert response.status_code == 200
    assert "A step needs at least one target" in response.content.decode()
    assert not EscalationStep.objects.filter(policy=empty_policy).exists()


def test_step_with_an_invalid_apprise_url_is_refused(commander_client, empty_policy):
    url = reverse("admin:paging_escalationpolicy_change", args=[empty_policy.pk])
    step = {
        "offset": "0",
        "tier": "Chat",
        "apprise_urls": "slack://T1/B2/C3\nnot-a-url://x",
        "stop_condition": "resolved",
    }
    response = commander_client.post(url, policy_form(empty_policy, [step]))
    assert response.status_code == 200
    assert "is not a notification URL Apprise understands" in response.content.decode()
    assert not EscalationStep.objects.filter(policy=empty_policy).exists()


def test_valid_step_is_saved_and_previewed_with_secrets_hidden(commander_client, empty_policy, commander):
    url = reverse("admin:paging_escalationpolicy_change", args=[empty_policy.pk])
    step = {
        "offset": "00:15:00",
        "tier": "Chat",
        "apprise_urls": "slack://T1ABCDEFG/B1ABCDEFG/supersecrettoken0123456789",
        "users": [str(commander.pk)],
        "stop_condition": "resolved",
    }
    response = commander_client.post(url, policy_form(empty_policy, [step]))
    assert response.status_code == 302, response.content.decode()[-3000:]
    saved = EscalationStep.objects.get(policy=empty_policy)
    assert saved.offset == timedelta(minutes=15)
    page = commander_client.get(url).content.decode()
    preview = page.split('class="wr-preview"', 1)[1].split("</table>", 1)[0]
    assert "Casey" in preview
    assert "slack://" in preview
    assert "supersecrettoken0123456789" not in preview


def test_rotation_shows_who_is_on_call_now_and_next(commander_client, django_assert_max_num_queries):
    url = reverse("admin:paging_rotation_changelist")
    rotation = Rotation.objects.create(name="Ops", shift_length=timedelta(days=1))
    ana, ben = (
        UserFactory.create(username="ana", first_name="Ana"),
        UserFactory.create(username="ben", first_name="Ben"),
    )
    RotationMember.objects.create(rotation=rotation, user=ana, position=0)
    RotationMember.objects.create(rotation=rotation, user=ben, position=1)
    with django_assert_max_num_queries(30) as few:
        page = commander_client.get(url).content.decode()
    assert "Ana" in page
    assert "Ben" in page
    for n in range(5):
        other = Rotation.objects.create(name=f"Team {n}")
        RotationMember.objects.create(rotation=other, user=ana)
        RotationOverride.objects.create(
            rotation=other, user=ben, starts_at=timezone.now(), ends_at=timezone.now() + timedelta(hours=1)
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = commander_client.get(url).content.decode()
    assert "(override)" in page


def test_notification_list_query_count_does_not_grow(commander_client, commander, django_assert_max_num_queries):
    url = reverse("admin:outbox_notification_changelist")
    incident = IncidentFactory.create(by=commander, level="P2")
    notify.enqueue(target=commander, subject="one", body="b", about=incident)
    with django_assert_max_num_queries(30) as few:
        assert commander_client.get(url).status_code == 200
    for n in range(10):
        user = UserFactory.create(username=f"n{n}", email=f"n{n}@example.com")
        notify.enqueue(target=user, subject=f"more {n}", body="b", about=incident)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = commander_client.get(url).content.decode()
    assert "more 9" in page


def test_retry_action_queues_failed_notifications_again(
    commander_client, commander, django_capture_on_commit_callbacks
):
    failed = Notification.objects.create(
        target=f"user:{commander.pk}",
        user=commander,
        subject="s",
        body="b",
        status=NotificationStatus.FAILED,
        attempts=5,
        last_error="SMTP down",
    )
    commander.email = "casey@example.com"
    commander.save()
    page = commander_client.get(reverse("admin:outbox_notification_changelist")).content.decode()
    assert "SMTP down" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = commander_client.post(
            reverse("admin:outbox_notification_changelist"),
            {"action": "retry", "_selected_action": [failed.pk]},
            follow=True,
        )
    assert "Queued 1 notification again." in response.content.decode()
    failed.refresh_from_db()
    assert failed.status == NotificationStatus.SENT


def test_send_a_test_notification_from_the_admin(commander_client, commander, django_capture_on_commit_callbacks):
    url = reverse("admin:outbox_notification_add")
    response = commander_client.post(url, {"apprise_url": "bogus", "subject": "s", "body": "b"})
    assert "not a notification URL" in response.content.decode()
    other = UserFactory.create(username="target", email="target@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = commander_client.post(url, {"user": other.pk, "subject": "Test page", "body": "b"})
    assert response.status_code == 302
    assert Notification.objects.get(subject="Test page").status == NotificationStatus.SENT


def test_healthz_and_readyz_follow_the_heartbeat(client, db, settings):
    settings.TIMER_TICK_SECONDS = 15
    assert client.get("/healthz").status_code == 200
    stale = client.get("/readyz")
    assert stale.status_code == 503
    assert stale.json()["timer_tick"]["stale"] is True
    timers.tick()
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok"


def test_stale_heartbeat_shows_a_red_banner_in_the_admin(commander_client, db, settings):
    settings.TIMER_TICK_SECONDS = 15
    page = commander_client.get(reverse("admin:index")).content.decode()
    assert "Timers are not running" in page
    timers.tick()
    page = commander_client.get(reverse("admin:index")).content.decode()
    assert "Timers are not running" not in page


def test_cockpit_lists_upcoming_timers_and_notifications(commander_client, commander, severities):
    incident = IncidentFactory.create(by=commander, level="P1")
    notify.enqueue(target=commander, subject="Paged", body="b", about=incident)
    page = commander_client.get(reverse("admin:incidents_incident_change", args=[incident.pk])).content.decode()
    assert "Upcoming" in page or "Timers" in page
    assert "Acknowledge deadline" in page
    assert "Senior Engineer" in page
    assert "Casey" in page or "casey" in page


def test_a_new_step_re_plans_the_open_incidents_of_the_severity(commander_client, empty_policy, commander):
    """Saving the policy is one service: the step and the escalation timers of open P4s change together."""
    from incidents.paging import clocks

    incident = IncidentFactory.create(by=commander, level="P4")
    assert not timers.timers_for(incident).filter(kind=clocks.ESCALATION).exists()
    url = reverse("admin:paging_escalationpolicy_change", args=[empty_policy.pk])
    step = {"offset": "00:10:00", "tier": "Duty", "users": [str(commander.pk)], "stop_condition": "resolved"}
    response = commander_client.post(url, policy_form(empty_policy, [step]))
    assert response.status_code == 302
    timer = timers.timers_for(incident).get(kind=clocks.ESCALATION)
    assert (timer.step, timer.due_at) == ("tier:duty", incident.started_at + timedelta(minutes=10))


def test_rotation_and_members_are_saved_together(commander_client, commander):
    ana = UserFactory.create(username="ana", first_name="Ana")
    data = {
        "name": "Weekend",
        "time_zone": "Europe/Rome",
        "shift_length": "1 00:00:00",
        "handoff_time": "09:00:00",
        "start_date": "2026-11-01",
        "members-TOTAL_FORMS": "1",
        "members-INITIAL_FORMS": "0",
        "members-0-user": str(ana.pk),
        "members-0-position": "0",
        "overrides-TOTAL_FORMS": "1",
        "overrides-INITIAL_FORMS": "0",
        "overrides-0-user": str(commander.pk),
        "overrides-0-starts_at_0": "2026-12-01",
        "overrides-0-starts_at_1": "10:00:00",
        "overrides-0-ends_at_0": "2026-12-01",
        "overrides-0-ends_at_1": "09:00:00",  # ends before it starts: the whole save is refused
    }
    response = commander_client.post(reverse("admin:paging_rotation_add"), data)
    assert response.status_code == 200
    assert not Rotation.objects.filter(name="Weekend").exists()
    data["overrides-0-ends_at_1"] = "18:00:00"
    response = commander_client.post(reverse("admin:paging_rotation_add"), data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    rotation = Rotation.objects.get(name="Weekend")
    assert [m.user for m in rotation.members.all()] == [ana]
    assert rotation.overrides.get().user == commander
