"""Apprise URLs carry secrets (Slack tokens, mail passwords): whoever may not change where Warroom
pages sees them redacted, on every surface."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from incidents.outbox import services as notify
from incidents.outbox.channels import redact_apprise_url, scrub_secrets
from incidents.outbox.models import Notification, NotificationStatus
from incidents.paging.models import EscalationPolicy, EscalationStep
from tests.conftest import api_for
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

SLACK = "slack://T1ABCDEFG/B1ABCDEFG/supersecrettoken0123456789/#incidents"
MAIL = "mailtos://pager:mail-Pa55word@smtp.example.com?to=oncall@example.com"
SECRETS = ("supersecrettoken0123456789", "T1ABCDEFG", "mail-Pa55word")


@pytest.fixture
def policy_with_urls(severities):
    severity = severities["P4"]
    EscalationPolicy.objects.filter(severity=severity).delete()
    policy = EscalationPolicy.objects.create(severity=severity, name="P4 chat")
    EscalationStep.objects.create(policy=policy, offset=timedelta(0), tier="Chat", apprise_urls=f"{SLACK}\n{MAIL}")
    return policy


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_viewer_sees_redacted_apprise_urls_on_the_policy_page(viewer_client, policy_with_urls):
    page = viewer_client.get(reverse("admin:paging_escalationpolicy_change", args=[policy_with_urls.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert_no_secret(text)
    assert "slack://T...G/B...G/s...9" in text
    assert "mailtos://pager:****@smtp.example.com" in text


def test_manager_without_change_on_steps_sees_them_redacted(client, manager, policy_with_urls):
    client.force_login(manager)
    text = client.get(reverse("admin:paging_escalationpolicy_change", args=[policy_with_urls.pk])).content.decode()
    assert_no_secret(text)


def test_commander_still_sees_and_edits_the_real_urls(commander_client, policy_with_urls):
    text = commander_client.get(
        reverse("admin:paging_escalationpolicy_change", args=[policy_with_urls.pk])
    ).content.decode()
    assert "supersecrettoken0123456789" in text.split('name="steps-0-apprise_urls"', 1)[1].split("</textarea>", 1)[0]


def test_redaction_uses_apprise_privacy_mode_and_hides_webhook_paths():
    assert redact_apprise_url(SLACK) == "slack://T...G/B...G/s...9/%23incidents/"
    assert redact_apprise_url("jsons://hooks.example.com/hooks/abcdef123456") == "jsons://hooks.example.com/…"
    assert redact_apprise_url("nonsense://secret") == "nonsense://…"
    scrubbed = scrub_secrets(f"POST to {SLACK} failed; token supersecrettoken0123456789", SLACK)
    assert_no_secret(scrubbed)


@pytest.fixture
def failed_delivery(severities, commander, monkeypatch, django_capture_on_commit_callbacks, settings):
    """A delivery whose error quotes its URL, as HTTP and SMTP libraries' errors do."""

    def leaky_send(url: str, subject: str, body: str) -> None:
        raise ConnectionError(f"Max retries exceeded with url {url.split('://', 1)[1]}")

    settings.NOTIFY_MAX_ATTEMPTS = 1
    monkeypatch.setattr("incidents.outbox.services.send_apprise", leaky_send)
    incident = IncidentFactory.create(by=commander, level="P2")
    with django_capture_on_commit_callbacks(execute=True):
        notify.enqueue(target=SLACK, subject="Paging", body="b", about=incident)
        notify.enqueue(target=MAIL, subject="Paging", body="b", about=incident)
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.FAILED}
    return incident


def test_delivery_errors_are_stored_without_secrets(failed_delivery):
    for notification in Notification.objects.all():
        assert_no_secret(notification.last_error)
        assert "Max retries exceeded" in notification.last_error


def test_viewer_sees_no_secret_in_the_outbox_admin(viewer_client, failed_delivery):
    listing = viewer_client.get(reverse("admin:outbox_notification_changelist")).content.decode()
    assert "Max retries exceeded" in listing
    assert_no_secret(listing)
    for notification in Notification.objects.all():
        page = viewer_client.get(reverse("admin:outbox_notification_change", args=[notification.pk]))
        assert page.status_code == 200
        assert_no_secret(page.content.decode())


def test_viewer_cannot_probe_a_token_by_searching_the_outbox(viewer_client, commander, failed_delivery):
    url = reverse("admin:outbox_notification_changelist")
    assert viewer_client.get(url, {"q": "supersecret"}).context["cl"].result_count == 0
    commander_client = Client()
    commander_client.force_login(commander)
    assert commander_client.get(url, {"q": "supersecret"}).context["cl"].result_count == 1


def test_timeline_cockpit_and_api_show_no_secret(viewer, viewer_client, failed_delivery):
    incident = failed_delivery
    entries = " ".join(incident.timeline.values_list("text", flat=True))
    assert "Notification to slack://" in entries
    assert_no_secret(entries)
    cockpit = viewer_client.get(reverse("admin:incidents_incident_change", args=[incident.pk])).content.decode()
    assert_no_secret(cockpit)
    response = api_for(viewer).get(f"/api/incidents/{incident.reference}/timeline/")
    assert response.status_code == 200
    assert_no_secret(response.content.decode())
