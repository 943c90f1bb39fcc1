from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from incidents.models import Incident, IncidentStatus, TimelineKind
from incidents.roles import WARROOM_APPS
from tests.factories import ComponentFactory, IncidentFactory

pytestmark = pytest.mark.django_db


def admin_urls_for(model, obj) -> list[str]:
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    return [
        reverse(f"{prefix}_changelist"),
        reverse(f"{prefix}_add"),
        reverse(f"{prefix}_change", args=[obj.pk]),
    ]


def sample(model, commander):
    """One row of each registered model."""
    from django.apps import apps

    from tests.factories import UserFactory

    if model is Incident:
        return IncidentFactory.create(by=commander)
    existing = model._default_manager.first()
    if existing is not None:
        return existing
    if model is apps.get_model("incidents", "Component"):
        return ComponentFactory.create()
    if model._meta.label_lower == "auth.user":
        return UserFactory.create()
    if model._meta.label_lower == "outbox.notification":
        from incidents.outbox import services as outbox

        return outbox.enqueue(target=commander, subject="Sample", body="Sample notification")
    if model._meta.label_lower == "statuspage.statusupdate":
        from incidents.statuspage.services import status_update_publish

        return status_update_publish(
            IncidentFactory.create(by=commander), status="investigating", body="Looking.", by=commander
        )
    if model._meta.app_label == "alerts":
        from incidents.alerts import services as alerts

        integration, _key = alerts.integration_create(
            name="Prometheus",
            kind="alertmanager",
            default_severity=apps.get_model("incidents", "SeverityPolicy").objects.get(level="P3"),
        )
        if model is apps.get_model("alerts", "Integration"):
            return integration
        body = b'{"title": "Sample", "status": "firing", "dedup_key": "sample"}'
        return alerts.receive(integration, endpoint="generic", raw=body).payload
    if model._meta.app_label == "postmortems":
        from tests.factories import postmortem_sample

        return postmortem_sample(model, commander)

    if model is apps.get_model("statuspage", "ScheduledMaintenance"):
        from datetime import timedelta

        from django.utils import timezone

        from incidents.statuspage.services import maintenance_create

        start = timezone.now() + timedelta(days=1)
        return maintenance_create(
            name="Database upgrade", scheduled_for=start, scheduled_until=start + timedelta(hours=2), by=commander
        )
    if model._meta.label_lower == "statuspage.subscriber":
        from incidents.statuspage.models import Subscriber

        return Subscriber.objects.create(kind="email", email="reader@example.com", state="active")
    pytest.fail(f"add a sample row for {model._meta.label} in tests/incidents/test_admin.py")


@pytest.mark.parametrize(
    "model",
    [m for m in admin.site._registry if m._meta.app_label in WARROOM_APPS],
    ids=lambda m: m._meta.label,
)
def test_every_modeladmin_renders_for_a_commander(model, commander_client, commander, severities):
    obj = sample(model, commander)
    changelist, add, change = admin_urls_for(model, obj)
    # Status updates are published from the cockpit, payloads received from monitoring, and people
    # subscribe themselves: none is added here.
    addable = model._meta.label_lower not in ("statuspage.statusupdate", "statuspage.subscriber", "alerts.payload")
    for url in [changelist, change, *([add] if addable else [])]:
        response = commander_client.get(url)
        assert response.status_code == 200, url
    if not addable:
        assert commander_client.get(add).status_code == 403


@pytest.mark.parametrize(
    "model",
    [m for m in admin.site._registry if m._meta.app_label in WARROOM_APPS],
    ids=lambda m: m._meta.label,
)
def test_viewer_sees_but_cannot_change(model, viewer_client, commander, severities):
    obj = sample(model, commander)
    changelist, add, change = admin_urls_for(model, obj)
    assert viewer_client.get(changelist).status_code == 200
    assert viewer_client.get(add).status_code == 403
    page = viewer_client.get(change)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content


def test_viewer_cannot_run_cockpit_actions(viewer_client, commander, severities):
    incident = IncidentFactory.create(by=commander)
    url = reverse("admin:incidents_incident_cockpit", args=[incident.pk, "acknowledge"])
    assert viewer_client.post(url).status_code == 403
    incident.refresh_from_db()
    assert incident.acknowledged_at is None


def test_changelist_query_count_does_not_grow(commander_client, commander, severities, django_assert_max_num_queries):
    url = reverse("admin:incidents_incident_changelist")
    IncidentFactory.create(by=commander, level="P1", components=[ComponentFactory.create()])
    with django_assert_max_num_queries(30) as few:
        assert commander_client.get(url).status_code == 200
    for n in range(15):
        IncidentFactory.create(by=commander, level=f"P{n % 4 + 1}", components=[ComponentFactory.create()])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = commander_client.get(url)
    assert response.status_code == 200
    assert response.content.count(b'class="wr-badge"') >= 16


def test_changelist_filters_and_search(commander_client, commander, severities):
    from datetime import timedelta

    from django.utils import timezone

    late = IncidentFactory.create(
        by=commander, level="P1", title="Late one", started_at=timezone.now() - timedelta(hours=1)
    )
    fresh = IncidentFactory.create(by=commander, level="P3", title="Fresh one")
    url = reverse("admin:incidents_incident_changelist")
    breached = commander_client.get(url, {"sla": "breached"}).content.decode()
    assert late.reference in breached
    assert fresh.reference not in breached
    found = commander_client.get(url, {"q": fresh.reference}).content.decode()
    assert fresh.reference in found
    assert late.reference not in found
    p1 = commander_client.get(url, {"severity__id__exact": severities["P1"].pk}).content.decode()
    assert late.reference in p1
    assert fresh.reference not in p1


def test_declare_through_the_add_form(commander_client, commander, severities):
    api = ComponentFactory.create(name="API")
    response = commander_client.post(
        reverse("admin:incidents_incident_add"),
        {
            "title": "Checkout failing",
            "summary": "",
            "service_down": "on",
            "users_affected_pct": "60",
            "severity": severities["P2"].pk,
            "components": [api.pk],
            "commander": commander.pk,
            "public_impact_override": "",
            "external_ticket": "",
            "chat_channel": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    incident = Incident.objects.get(title="Checkout failing")
    assert response["Location"].endswith(reverse("admin:incidents_incident_change", args=[incident.pk]))
    assert list(incident.components.all()) == [api]
    declared = incident.timeline.get(kind=TimelineKind.DECLARED)
    assert declared.data["suggested_severity"] == "P1"
    assert "the commander chose P2" in declared.text


def test_declare_form_refuses_future_start(commander_client, severities):
    response = commander_client.post(
        reverse("admin:incidents_incident_add"),
        {"title": "Later", "severity": severities["P3"].pk, "started_at": "2999-01-01 00:00:00"},
    )
    assert response.status_code == 200
    assert "cannot be in the future" in response.content.decode()
    assert not Incident.objects.exists()


def test_suggest_severity_endpoint(commander_client, severities):
    url = reverse("admin:incidents_incident_suggest_severity")
    data = commander_client.get(url, {"users_affected_pct": "30"}).json()
    assert data["level"] == "P2"
    assert data["policy_id"] == severities["P2"].pk


def test_cockpit_shows_only_legal_moves_and_runs_them(commander_client, commander, severities):
    incident = IncidentFactory.create(by=commander, level="P1")
    change = reverse("admin:incidents_incident_change", args=[incident.pk])
    page = commander_client.get(change).content.decode()
    assert incident.reference in page
    assert ">Acknowledge</button>" in page
    assert 'data-move="resolved"' in page
    assert 'data-move="closed"' not in page

    cockpit = "admin:incidents_incident_cockpit"
    commander_client.post(reverse(cockpit, args=[incident.pk, "acknowledge"]))
    commander_client.post(reverse(cockpit, args=[incident.pk, "note"]), {"text": "Rolling back"})
    item = incident.checklist.get(position=3)
    commander_client.post(reverse(cockpit, args=[incident.pk, "tick"]), {"item": item.pk})
    commander_client.post(reverse(cockpit, args=[incident.pk, "severity"]), {"severity": severities["P3"].pk})
    commander_client.post(reverse(cockpit, args=[incident.pk, "move-resolved"]))
    incident.refresh_from_db()
    assert incident.acknowledged_at is not None
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.severity.level == "P3"
    assert incident.timeline.filter(kind=TimelineKind.NOTE, text="Rolling back").exists()
    page = commander_client.get(change).content.decode()
    assert ">Acknowledge</button>" not in page
    assert 'data-move="closed"' in page
    # The timeline is newest first: the resolution comes before the earlier note.
    assert page.index("investigating → resolved") < page.index("Rolling back")


def test_refused_cockpit_action_is_a_message_not_a_500(commander_client, commander, severities):
    incident = IncidentFactory.create(by=commander)
    cockpit = "admin:incidents_incident_cockpit"
    commander_client.post(reverse(cockpit, args=[incident.pk, "acknowledge"]))
    response = commander_client.post(reverse(cockpit, args=[incident.pk, "acknowledge"]), follow=True)
    assert response.status_code == 200
    assert "already acknowledged" in response.content.decode()
    response = commander_client.post(reverse(cockpit, args=[incident.pk, "move-closed"]), follow=True)
    assert response.status_code == 200
    assert "cannot move to closed" in response.content.decode()
    assert incident.timeline.count() == 2


def test_changelist_actions_report_refusals(commander_client, commander, severities):
    first = IncidentFactory.create(by=commander)
    second = IncidentFactory.create(by=commander)
    url = reverse("admin:incidents_incident_changelist")
    commander_client.post(url, {"action": "acknowledge_selected", "_selected_action": [first.pk]})
    response = commander_client.post(
        url, {"action": "acknowledge_selected", "_selected_action": [first.pk, second.pk]}, follow=True
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert f"Acknowledged: {second.reference}" in text
    assert "already acknowledged" in text
    response = commander_client.post(
        url, {"action": "resolve_selected", "_selected_action": [first.pk, second.pk]}, follow=True
    )
    assert Incident.objects.filter(status=IncidentStatus.RESOLVED).count() == 2


def test_edit_details_through_the_change_form(commander_client, commander, severities):
    incident = IncidentFactory.create(by=commander, title="Old")
    response = commander_client.post(
        reverse("admin:incidents_incident_change", args=[incident.pk]),
        {
            "title": "New",
            "summary": "",
            "commander": commander.pk,
            "users_affected_pct": "10",
            "public_impact_override": "",
            "external_ticket": "PD-123",
            "chat_channel": incident.chat_channel,
        },
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.title, incident.external_ticket, incident.users_affected_pct) == ("New", "PD-123", 10)
    assert incident.timeline.filter(kind=TimelineKind.EDIT).count() == 1


def test_admin_index_shows_open_and_breached(commander_client, commander, severities):
    from datetime import timedelta

    from django.utils import timezone

    late = IncidentFactory.create(by=commander, level="P1", started_at=timezone.now() - timedelta(hours=1))
    page = commander_client.get(reverse("admin:index")).content.decode()
    assert "Open incidents" in page
    assert "Breached SLAs" in page
    assert late.reference in page


def test_deleting_a_component_recorded_on_incidents_is_a_message(commander_client, commander, severities):
    from incidents.models import Component

    api = ComponentFactory.create(name="API")
    IncidentFactory.create(by=commander, components=[api])
    url = reverse("admin:incidents_component_delete", args=[api.pk])
    response = commander_client.post(url, {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert "recorded on incidents; it cannot be deleted" in response.content.decode()
    assert Component.objects.filter(pk=api.pk).exists()
    # The bulk action goes through the same service.
    response = commander_client.post(
        reverse("admin:incidents_component_changelist"),
        {"action": "delete_selected", "_selected_action": [api.pk], "post": "yes"},
        follow=True,
    )
    assert "recorded on incidents" in response.content.decode()
    assert Component.objects.filter(pk=api.pk).exists()


def test_component_list_editable_status_goes_through_the_service(commander_client, commander, severities):
    from incidents.models import ComponentStatus

    api = ComponentFactory.create(name="API")
    response = commander_client.post(
        reverse("admin:incidents_component_changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": api.pk,
            "form-0-position": "3",
            "form-0-status": ComponentStatus.MAJOR_OUTAGE,
            "_save": "Save",
        },
        follow=True,
    )
    assert response.status_code == 200
    api.refresh_from_db()
    assert (api.status, api.position) == (ComponentStatus.MAJOR_OUTAGE, 3)


def test_a_shorter_response_target_moves_the_open_incidents_deadline(commander_client, commander, severities):
    from datetime import timedelta

    from incidents.paging import clocks
    from incidents.timers import engine as timers

    incident = IncidentFactory.create(by=commander, level="P3")
    policy = severities["P3"]
    url = reverse("admin:incidents_severitypolicy_change", args=[policy.pk])
    data = {
        "level": policy.level,
        "name": policy.name,
        "criteria": policy.criteria,
        "response_target": "00:30:00",
        "resolution_target": "1 00:00:00",
        "update_cadence": "02:00:00",
        "stakeholder_deadline": "",
        "public_impact": policy.public_impact,
        "colour": policy.colour,
        "postmortem_due_after": "",
    }
    assert commander_client.post(url, data).status_code == 302
    deadline = timers.timers_for(incident).get(kind=clocks.ACKNOWLEDGE_DEADLINE)
    assert deadline.due_at == incident.started_at + timedelta(minutes=30)
