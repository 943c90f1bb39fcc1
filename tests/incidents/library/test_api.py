"""The library in the API: templates, preview and send through the Communicate page's renderer and
service, playbooks suggested with what matched, and applying one to an incident."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.library.models import CommunicationTemplate, Playbook
from incidents.models import ChecklistItem, TimelineKind
from incidents.outbox.models import Notification
from tests.conftest import api_for
from tests.factories import ComponentFactory, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(commander, severities):
    return IncidentFactory.create(
        by=commander, level="P2", title="Checkout slow", summary="Postgres says too many connections"
    )


def test_templates_list_with_their_severities(viewer):
    response = api_for(viewer).get("/api/communication-templates/")
    assert response.status_code == 200
    names = [row["name"] for row in response.json()["results"]]
    assert names == list(CommunicationTemplate.objects.order_by("kind", "name").values_list("name", flat=True))
    assert all(isinstance(row["severities"], list) for row in response.json()["results"])


def test_templates_list_queries_do_not_grow_with_rows(viewer, severities):
    api = api_for(viewer)
    api.get("/api/communication-templates/")  # the user's permissions are cached from here on
    with CaptureQueriesContext(connection) as before:
        assert api.get("/api/communication-templates/").status_code == 200
    for number in range(5):
        template = CommunicationTemplate.objects.create(name=f"Extra {number}", kind="internal", subject="s", body="b")
        template.severities.add(severities["P1"])
    with CaptureQueriesContext(connection) as after:
        assert len(api.get("/api/communication-templates/").json()["results"]) >= 5
    assert len(after) == len(before)


def test_preview_renders_the_template_for_the_incident(responder, incident):
    customer = CommunicationTemplate.objects.get(name="Customer notification")
    response = api_for(responder).get(
        f"/api/incidents/{incident.reference}/communications/preview/", {"template": customer.pk}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["subject"] == "Service Disruption - Checkout slow"
    assert "We will provide updates every 30 minutes." in body["body"]


def test_preview_needs_the_change_permission_as_the_communicate_page(viewer, incident):
    customer = CommunicationTemplate.objects.get(name="Customer notification")
    url = f"/api/incidents/{incident.reference}/communications/preview/"
    assert api_for(viewer).get(url, {"template": customer.pk}).status_code == 403


@pytest.mark.parametrize("template", ["", "x", "0", "99999999"])
def test_preview_of_a_bad_template_is_a_400_naming_it(responder, incident, template):
    response = api_for(responder).get(
        f"/api/incidents/{incident.reference}/communications/preview/", {"template": template}
    )
    assert response.status_code == 400
    assert "template" in response.json()


def test_template_not_offered_for_the_severity_is_refused(responder, incident, severities):
    only_p1 = CommunicationTemplate.objects.create(name="P1 only", kind="internal", subject="s", body="b")
    only_p1.severities.add(severities["P1"])
    response = api_for(responder).get(
        f"/api/incidents/{incident.reference}/communications/preview/", {"template": only_p1.pk}
    )
    assert response.status_code == 400
    assert "P2" in response.json()["template"][0]


def test_send_renders_queues_one_email_each_and_logs_it(responder, incident):
    internal = CommunicationTemplate.objects.get(name="Internal notification")
    response = api_for(responder).post(
        f"/api/incidents/{incident.reference}/communications/",
        {"template": internal.pk, "recipients": ["ops@example.com", "cto@example.com"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["subject"] == "[INCIDENT] P2 - Checkout slow"
    rows = Notification.objects.filter(about_id=incident.pk).order_by("target")
    assert [row.target for row in rows] == ["email:cto@example.com", "email:ops@example.com"]
    assert all(row.subject == "[INCIDENT] P2 - Checkout slow" for row in rows)
    entry = incident.timeline.get(kind=TimelineKind.COMMUNICATION)
    assert entry.pk == response.json()["timeline_entry"]
    assert entry.data["template"] == "Internal notification"


def test_send_with_edited_text_and_no_template(responder, incident):
    response = api_for(responder).post(
        f"/api/incidents/{incident.reference}/communications/",
        {"recipients": ["ops@example.com"], "subject": "Heads up", "body": "Written by hand."},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Notification.objects.get(about_id=incident.pk).body == "Written by hand."


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"recipients": ["not an address"], "subject": "s", "body": "b"}, "recipients"),
        ({"recipients": [], "subject": "s", "body": "b"}, "recipients"),
        ({"recipients": ["ops@example.com"]}, "subject"),
        ({"recipients": ["ops@example.com"], "subject": "s"}, "body"),
        ({"recipients": ["ops@example.com"], "template": 99999999}, "template"),
    ],
)
def test_bad_send_is_a_400_naming_the_field_and_sends_nothing(responder, incident, payload, field):
    response = api_for(responder).post(f"/api/incidents/{incident.reference}/communications/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Notification.objects.exists()
    assert not incident.timeline.filter(kind=TimelineKind.COMMUNICATION).exists()


def test_viewer_cannot_send(viewer, incident):
    response = api_for(viewer).post(
        f"/api/incidents/{incident.reference}/communications/",
        {"recipients": ["ops@example.com"], "subject": "s", "body": "b"},
        format="json",
    )
    assert response.status_code == 403
    assert not Notification.objects.exists()


def test_playbooks_list_queries_do_not_grow_with_rows(viewer):
    api = api_for(viewer)
    api.get("/api/playbooks/")  # the user's permissions are cached from here on
    with CaptureQueriesContext(connection) as before:
        first = api.get("/api/playbooks/").json()
    component = ComponentFactory.create(name="Database")
    for number in range(5):
        playbook = Playbook.objects.create(title=f"Extra {number}", keywords="a, b", resolution="Step")
        playbook.components.add(component)
    with CaptureQueriesContext(connection) as after:
        second = api.get("/api/playbooks/").json()
    assert second["count"] == first["count"] + 5
    assert len(after) == len(before)
    extra = next(row for row in second["results"] if row["title"] == "Extra 0")
    assert extra["keywords"] == ["a", "b"]
    assert extra["components"] == ["Database"]


def test_suggested_playbooks_name_what_matched(viewer, commander, severities):
    database = ComponentFactory.create(name="Primary database")
    pool = Playbook.objects.get(title="Database connection pool exhaustion")
    pool.components.add(database)
    incident = IncidentFactory.create(
        by=commander, title="Checkout timeout", summary="Postgres: too many connections", components=[database]
    )
    response = api_for(viewer).get(f"/api/incidents/{incident.reference}/playbooks/suggested/")
    assert response.status_code == 200
    best = response.json()[0]
    assert best["playbook"]["title"] == pool.title
    assert best["matched_components"] == ["Primary database"]
    assert set(best["matched_keywords"]) == {"connection", "too many connections", "timeout", "postgres"}
    assert best["score"] == 2 + 4


def test_suggested_playbooks_queries_do_not_grow_with_playbooks(viewer, incident):
    url = f"/api/incidents/{incident.reference}/playbooks/suggested/"
    api = api_for(viewer)
    api.get(url)  # the user's permissions are cached from here on
    with CaptureQueriesContext(connection) as before:
        api.get(url)
    for number in range(5):
        Playbook.objects.create(title=f"Extra {number}", keywords="checkout", resolution="Step")
    with CaptureQueriesContext(connection) as after:
        assert len(api.get(url).json()) == 3
    assert len(after) == len(before)


def test_apply_adds_the_resolution_steps_to_the_checklist_once(responder, incident):
    pool = Playbook.objects.get(title="Database connection pool exhaustion")
    steps = [line.strip() for line in pool.resolution.splitlines() if line.strip()]
    url = f"/api/incidents/{incident.reference}/playbooks/apply/"
    before = incident.checklist.count()
    response = api_for(responder).post(url, {"playbook": pool.pk}, format="json")
    assert response.status_code == 201, response.content
    assert [item["label"] for item in response.json()["added"]] == steps
    labels = list(ChecklistItem.objects.filter(incident=incident).order_by("position").values_list("label", flat=True))
    assert labels[before:] == steps
    entry = incident.timeline.filter(kind=TimelineKind.CHECKLIST).latest("id")
    assert pool.title in entry.text
    again = api_for(responder).post(url, {"playbook": pool.pk}, format="json")
    assert again.status_code == 201
    assert again.json()["added"] == []
    assert incident.checklist.count() == before + len(steps)


@pytest.mark.parametrize("playbook", [None, "x", 99999999])
def test_apply_bad_playbook_is_a_400_naming_it(responder, incident, playbook):
    before = incident.checklist.count()
    response = api_for(responder).post(
        f"/api/incidents/{incident.reference}/playbooks/apply/", {"playbook": playbook}, format="json"
    )
    assert response.status_code == 400
    assert "playbook" in response.json()
    assert incident.checklist.count() == before


def test_apply_to_a_resolved_incident_is_refused(responder, commander, incident):
    from incidents import services

    services.incident_resolve(incident, by=commander)
    pool = Playbook.objects.get(title="Database connection pool exhaustion")
    response = api_for(responder).post(
        f"/api/incidents/{incident.reference}/playbooks/apply/", {"playbook": pool.pk}, format="json"
    )
    assert response.status_code == 400
    assert "resolved" in response.json()["playbook"][0]


def test_viewer_cannot_apply(viewer, incident):
    pool = Playbook.objects.get(title="Database connection pool exhaustion")
    response = api_for(viewer).post(
        f"/api/incidents/{incident.reference}/playbooks/apply/", {"playbook": pool.pk}, format="json"
    )
    assert response.status_code == 403


def test_unknown_incident_is_a_404(responder, severities):
    assert api_for(responder).get("/api/incidents/INC-2020-01-01-999/playbooks/suggested/").status_code == 404


def test_cockpit_apply_form_uses_the_same_service(commander_client, commander, severities):
    incident = IncidentFactory.create(by=commander, title="Redis cache timeouts")
    redis = Playbook.objects.get(title="Redis connection issues")
    cockpit = commander_client.get(f"/admin/incidents/incident/{incident.pk}/change/").content.decode()
    apply_url = f"/admin/library/playbook/apply/{incident.pk}/"
    assert f'action="{apply_url}"' in cockpit
    response = commander_client.post(apply_url, {"playbook": redis.pk})
    assert response.status_code == 302
    steps = [line.strip() for line in redis.resolution.splitlines() if line.strip()]
    assert set(steps) <= set(incident.checklist.values_list("label", flat=True))
    items = incident.checklist.count()
    refused = commander_client.post(apply_url, {"playbook": "x"}, follow=True)
    assert "Choose one of the suggested playbooks to apply." in refused.content.decode()
    assert incident.checklist.count() == items  # nothing applied
    assert commander_client.get(apply_url).status_code == 405


def test_cockpit_apply_form_is_not_offered_to_a_viewer(viewer_client, commander, severities):
    incident = IncidentFactory.create(by=commander, title="Redis cache timeouts")
    cockpit = viewer_client.get(f"/admin/incidents/incident/{incident.pk}/change/").content.decode()
    assert "Redis connection issues" in cockpit
    assert "/admin/library/playbook/apply/" not in cockpit
    redis = Playbook.objects.get(title="Redis connection issues")
    before = incident.checklist.count()
    response = viewer_client.post(f"/admin/library/playbook/apply/{incident.pk}/", {"playbook": redis.pk})
    assert response.status_code == 403
    assert incident.checklist.count() == before
    assert not incident.timeline.filter(data__source__startswith="playbook").exists()
