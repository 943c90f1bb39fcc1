import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from incidents import services
from incidents.library import selectors as library_selectors
from incidents.library import services as library_services
from incidents.library.communications import render_message
from incidents.library.models import CommunicationTemplate, Playbook
from incidents.models import TimelineKind
from tests.factories import ComponentFactory, IncidentFactory

pytestmark = pytest.mark.django_db


def test_runbook_library_is_loaded_by_migrate():
    assert Playbook.objects.filter(title="Database connection pool exhaustion").exists()
    assert set(CommunicationTemplate.objects.values_list("kind", flat=True)) == {
        "internal",
        "customer",
        "status_page",
    }


def test_internal_notification_renders_the_runbook_template(severities, commander):
    incident = IncidentFactory.create(by=commander, level="P1", title="API down", users_affected_pct=80)
    services.incident_acknowledge(incident, by=commander)
    message = render_message(CommunicationTemplate.objects.get(name="Internal notification"), incident)
    assert message.subject == "[INCIDENT] P1 - API down"
    assert f"Incident ID: {incident.reference}" in message.body
    assert "Severity: P1 - Critical (Service Down)" in message.body
    assert "Impact: 80% of users affected" in message.body
    assert "- [x] Acknowledge incident (within SLA)" in message.body
    assert "- [x] Begin incident log" in message.body
    assert "- [ ] Notify stakeholders if P1/P2" in message.body
    assert "Next Update: +30 minutes" in message.body
    assert f"Slack: {incident.chat_channel}" in message.body
    assert "&" not in message.body  # plain text, not HTML-escaped


def test_send_fills_an_empty_subject_or_body_from_the_template(severities, commander):
    incident = IncidentFactory.create(by=commander, level="P1", title="API down")
    template = CommunicationTemplate.objects.get(name="Internal notification")
    entry = library_services.communication_send(
        incident, template=template, by=commander, recipients=["ops@example.com"], subject="", body="Custom body"
    )
    assert entry.data["subject"] == "[INCIDENT] P1 - API down"
    with pytest.raises(ValidationError):  # no template to fill from: an empty subject is refused
        library_services.communication_send(
            incident, template=None, by=commander, recipients=["ops@example.com"], subject="", body="Custom body"
        )


def test_messages_render_in_utc_whatever_the_composers_zone(severities, commander):
    from datetime import UTC, datetime

    import time_machine
    from django.utils import timezone

    with time_machine.travel(datetime(2026, 3, 29, 0, 30, tzinfo=UTC), tick=False):
        incident = IncidentFactory.create(by=commander, level="P1", title="API down")
    with timezone.override("Europe/Rome"):
        message = render_message(CommunicationTemplate.objects.get(name="Internal notification"), incident)
    assert "Started: 2026-03-29 00:30 UTC" in message.body


def test_template_with_syntax_error_is_refused_on_save():
    template = CommunicationTemplate(name="Broken", kind="internal", subject="x", body="{% if %}")
    with pytest.raises(ValidationError) as refused:
        template.full_clean()
    assert "body" in refused.value.message_dict


def test_communicate_preview_and_send(commander_client, commander, severities, django_capture_on_commit_callbacks):
    incident = IncidentFactory.create(by=commander, level="P2", title="Checkout slow")
    url = reverse("admin:library_communicationtemplate_communicate", args=[incident.pk])
    customer = CommunicationTemplate.objects.get(name="Customer notification")
    page = commander_client.get(url, {"template": customer.pk}).content.decode()
    assert "Service Disruption - Checkout slow" in page
    assert "We will provide updates every 30 minutes." in page

    with django_capture_on_commit_callbacks(execute=True):
        response = commander_client.post(
            url, {"recipients": "ops@example.com, cto@example.com", "subject": "Service Disruption", "body": "Hello"}
        )
    assert response.status_code == 302
    # One outbox row per address, each sent on its own (nobody sees the other recipients).
    assert sorted(address for message in mail.outbox for address in message.to) == [
        "cto@example.com",
        "ops@example.com",
    ]
    entry = incident.timeline.get(kind=TimelineKind.COMMUNICATION)
    assert entry.data["recipients"] == ["ops@example.com", "cto@example.com"]


def test_communicate_refuses_bad_recipient(commander_client, commander, severities):
    incident = IncidentFactory.create(by=commander)
    url = reverse("admin:library_communicationtemplate_communicate", args=[incident.pk])
    response = commander_client.post(url, {"recipients": "not-an-address", "subject": "s", "body": "b"})
    assert response.status_code == 200
    assert "is not an email address" in response.content.decode()
    assert not incident.timeline.filter(kind=TimelineKind.COMMUNICATION).exists()
    assert mail.outbox == []


def test_viewer_cannot_communicate(viewer_client, commander, severities):
    incident = IncidentFactory.create(by=commander)
    url = reverse("admin:library_communicationtemplate_communicate", args=[incident.pk])
    assert viewer_client.get(url).status_code == 403


def test_playbooks_suggested_by_component_and_keywords(severities, commander):
    database = ComponentFactory.create(name="Database")
    pool = Playbook.objects.get(title="Database connection pool exhaustion")
    pool.components.add(database)
    incident = IncidentFactory.create(by=commander, title="Too many connections errors", components=[database])
    suggested = library_selectors.suggested_playbooks(incident)
    assert suggested[0] == pool
    assert (
        library_selectors.suggested_playbooks(IncidentFactory.create(by=commander, title="Typo on billing page")) == []
    )


def test_cockpit_shows_playbooks_and_quick_reference(commander_client, commander, severities):
    incident = IncidentFactory.create(by=commander, title="Redis connection errors")
    page = commander_client.get(reverse("admin:incidents_incident_change", args=[incident.pk])).content.decode()
    assert "Suggested playbooks" in page
    assert "Redis connection issues" in page
    assert "Quick reference" in page


def test_mark_playbook_reviewed(commander_client):
    playbook = Playbook.objects.first()
    assert playbook is not None
    commander_client.post(
        reverse("admin:library_playbook_changelist"), {"action": "mark_reviewed", "_selected_action": [playbook.pk]}
    )
    playbook.refresh_from_db()
    assert playbook.last_reviewed_at is not None
    assert playbook.review_due_at is not None


def test_playbook_review_timer_reminds_managers_once_per_cycle(manager, commander, django_capture_on_commit_callbacks):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from incidents.library.reviews import PLAYBOOK_REVIEW
    from incidents.outbox.models import Notification
    from incidents.timers import engine as timers

    playbook = Playbook.objects.get(title="SSL certificate expiry")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        playbook = library_services.playbook_mark_reviewed(playbook, by=commander)
        timer = timers.timers_for(playbook).get(kind=PLAYBOOK_REVIEW)
        assert timer.due_at == start + timedelta(days=91)

        clock.move_to(start + timedelta(days=90))
        timers.tick()
        assert not Notification.objects.filter(dedupe_key=timer.notification_key).exists()

        clock.move_to(start + timedelta(days=91, minutes=1))
        with django_capture_on_commit_callbacks(execute=True):
            timers.tick()
            timers.tick()
        reminders = Notification.objects.filter(dedupe_key=timer.notification_key)
        assert [n.user for n in reminders] == [manager]
        assert "SSL certificate expiry" in reminders.get().subject

        # Reviewing again arms the next quarter's timer.
        playbook = library_services.playbook_mark_reviewed(playbook, by=manager)
        pending = timers.timers_for(playbook).filter(fired_at__isnull=True, cancelled_at__isnull=True).get()
        assert playbook.last_reviewed_at is not None
        assert pending.due_at == playbook.last_reviewed_at + timedelta(days=91)


def test_a_changed_review_interval_moves_the_pending_review_and_deleting_cancels_it(commander_client, commander):
    from datetime import timedelta

    from incidents.library.reviews import PLAYBOOK_REVIEW
    from incidents.timers import engine as timers

    playbook = Playbook.objects.first()
    assert playbook is not None
    playbook = library_services.playbook_mark_reviewed(playbook, by=commander)
    url = reverse("admin:library_playbook_change", args=[playbook.pk])
    data = {
        "title": playbook.title,
        "symptoms": playbook.symptoms,
        "diagnosis": playbook.diagnosis,
        "resolution": playbook.resolution,
        "prevention": playbook.prevention,
        "keywords": playbook.keywords,
        "review_interval": "30 00:00:00",
    }
    assert commander_client.post(url, data).status_code == 302
    pending = timers.timers_for(playbook).get(kind=PLAYBOOK_REVIEW, fired_at=None, cancelled_at=None)
    assert playbook.last_reviewed_at is not None
    assert pending.due_at == playbook.last_reviewed_at + timedelta(days=30)
    delete = reverse("admin:library_playbook_delete", args=[playbook.pk])
    assert commander_client.post(delete, {"post": "yes"}).status_code == 302
    pending.refresh_from_db()
    assert pending.cancelled_at is not None
