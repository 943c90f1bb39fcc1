"""The private REST API: auth, role permissions, incidents by reference, actions, errors as JSON."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from incidents.models import Incident, IncidentStatus, TimelineKind
from incidents.statuspage.models import StatusUpdate
from tests.conftest import api_for, make_user
from tests.factories import ComponentFactory, IncidentFactory

pytestmark = pytest.mark.django_db


def test_token_auth_and_anonymous_refused(commander, severities):
    call_command("drf_create_token", commander.username)
    token = Token.objects.get(user=commander)
    IncidentFactory.create(by=commander)
    anonymous = APIClient()
    assert anonymous.get("/api/incidents/").status_code in (401, 403)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.get("/api/incidents/")
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_declare_and_retrieve_by_reference(commander_api, commander, severities):
    api = ComponentFactory.create(name="API")
    started = timezone.now() - timedelta(minutes=20)
    response = commander_api.post(
        "/api/incidents/",
        {
            "title": "Checkout failing",
            "severity": "P2",
            "summary": "500s on checkout",
            "components": [api.pk],
            "users_affected_pct": 30,
            "public": True,
            "started_at": started.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    reference = body["reference"]
    assert reference.startswith("INC-")
    assert body["severity"] == "P2"
    assert body["components"] == [api.pk]
    assert body["commander"] == commander.username
    assert body["shortlink"].endswith(Incident.objects.get(reference=reference).public_id)
    got = commander_api.get(f"/api/incidents/{reference}/").json()
    assert got["title"] == "Checkout failing"
    assert got["started_at"].startswith(started.strftime("%Y-%m-%dT%H:%M"))


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"severity": "P2"}, "title"),
        ({"title": "x", "severity": "P9"}, "severity"),
        ({"title": "x", "severity": "P2", "users_affected_pct": 101}, "users_affected_pct"),
        ({"title": "   ", "severity": "P2"}, "title"),
        ({"title": "x", "severity": "P2", "started_at": "2999-01-01T00:00:00Z"}, "started_at"),
    ],
)
def test_declare_errors_name_the_field(commander_api, severities, payload, field):
    response = commander_api.post("/api/incidents/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Incident.objects.exists()


def test_actions_and_timeline(commander_api, commander, severities):
    incident = IncidentFactory.create(by=commander, level="P1")
    base = f"/api/incidents/{incident.reference}/"
    assert commander_api.post(base + "acknowledge/").json()["acknowledged_at"] is not None
    again = commander_api.post(base + "acknowledge/")
    assert again.status_code == 400
    assert "already acknowledged" in str(again.json())
    note = commander_api.post(base + "notes/", {"text": "Rolling back"}, format="json")
    assert note.status_code == 201
    assert note.json()["kind"] == TimelineKind.NOTE
    assert commander_api.post(base + "notes/", {"text": ""}, format="json").status_code == 400
    resolved = commander_api.post(base + "resolve/", {"note": "Rolled back"}, format="json")
    assert resolved.json()["status"] == IncidentStatus.RESOLVED
    timeline = commander_api.get(base + "timeline/").json()
    # Resolving a P1 also opens its post-mortem draft (runbook 2.4 closeout).
    kinds = [e["kind"] for e in timeline["results"]]
    assert kinds[:3] == [TimelineKind.POSTMORTEM, TimelineKind.STATUS, TimelineKind.NOTE]
    assert timeline["count"] == 5


def test_illegal_transition_is_400_with_the_reason(commander_api, commander, severities):
    incident = IncidentFactory.create(by=commander)
    response = commander_api.patch(f"/api/incidents/{incident.reference}/", {"status": "closed"}, format="json")
    assert response.status_code == 400
    assert "cannot move to closed" in response.json()["status"][0]


def test_patch_details_severity_and_status(commander_api, commander, severities):
    incident = IncidentFactory.create(by=commander, level="P3")
    response = commander_api.patch(
        f"/api/incidents/{incident.reference}/",
        {"title": "Renamed", "severity": "P1", "status": "identified", "public": True},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["severity"], body["status"], body["public"]) == ("Renamed", "P1", "identified", True)
    assert commander_api.put(f"/api/incidents/{incident.reference}/", {}, format="json").status_code == 405


def test_roles(commander, responder, viewer, severities):
    incident = IncidentFactory.create(by=commander)
    base = f"/api/incidents/{incident.reference}/"
    as_viewer = api_for(viewer)
    assert as_viewer.get("/api/incidents/").status_code == 200
    assert as_viewer.get(base).status_code == 200
    assert as_viewer.get("/api/components/").status_code == 200
    assert as_viewer.post(base + "acknowledge/").status_code == 403
    assert as_viewer.post(base + "notes/", {"text": "hi"}, format="json").status_code == 403
    assert as_viewer.post("/api/incidents/", {"title": "x", "severity": "P3"}, format="json").status_code == 403
    assert as_viewer.post("/api/components/", {"name": "X"}, format="json").status_code == 403

    as_responder = api_for(responder)
    assert as_responder.post(base + "acknowledge/").status_code == 200
    assert as_responder.post(base + "notes/", {"text": "hi"}, format="json").status_code == 201
    assert as_responder.patch(base, {"title": "Better title"}, format="json").status_code == 200
    assert as_responder.patch(base, {"status": "identified"}, format="json").status_code == 403
    assert as_responder.post(base + "resolve/").status_code == 403
    published = as_responder.post(base + "status-updates/", {"status": "identified", "body": "x"}, format="json")
    assert published.status_code == 403
    assert not StatusUpdate.objects.exists()
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.INVESTIGATING


def test_user_without_a_role_sees_nothing(django_user_model, commander, severities):
    nobody = make_user(django_user_model, "nobody")
    IncidentFactory.create(by=commander)
    assert api_for(nobody).get("/api/incidents/").status_code == 403


def test_list_filters(commander_api, commander, severities):
    api = ComponentFactory.create(name="API")
    late = IncidentFactory.create(
        by=commander, level="P1", components=[api], started_at=timezone.now() - timedelta(hours=2)
    )
    fresh = IncidentFactory.create(by=commander, level="P3")
    done = IncidentFactory.create(by=commander, level="P4")
    commander_api.post(f"/api/incidents/{done.reference}/resolve/")

    def refs(**params) -> set[str]:
        response = commander_api.get("/api/incidents/", params)
        assert response.status_code == 200, response.content
        return {row["reference"] for row in response.json()["results"]}

    assert refs(severity="P1") == {late.reference}
    assert refs(component=api.pk) == {late.reference}
    assert refs(open="true") == {late.reference, fresh.reference}
    assert refs(open="false") == {done.reference}
    assert refs(status="resolved") == {done.reference}
    assert refs(breached="true") == {late.reference}
    since = (timezone.now() - timedelta(hours=1)).isoformat()
    assert refs(started_after=since) == {fresh.reference, done.reference}
    assert refs(started_before=since) == {late.reference}
    assert commander_api.get("/api/incidents/", {"status": "nonsense"}).status_code == 400


def test_incident_list_query_count_does_not_grow(commander_api, commander, severities, django_assert_max_num_queries):
    def add() -> None:
        incident = IncidentFactory.create(by=commander, components=[ComponentFactory.create()])
        commander_api.post(f"/api/incidents/{incident.reference}/notes/", {"text": "x"}, format="json")

    add()
    with django_assert_max_num_queries(20) as few:
        assert commander_api.get("/api/incidents/").status_code == 200
    baseline = len(few.captured_queries)  # read now: later requests reset the connection's query log
    for _ in range(10):
        add()
    with django_assert_max_num_queries(baseline):
        response = commander_api.get("/api/incidents/")
    assert response.json()["count"] == 11


def test_other_lists_query_counts_do_not_grow(commander_api, commander, severities, django_assert_max_num_queries):
    now = timezone.now()

    def add() -> None:
        component = ComponentFactory.create()
        commander_api.post(
            "/api/scheduled-maintenances/",
            {
                "name": "Upgrade",
                "scheduled_for": (now + timedelta(hours=1)).isoformat(),
                "scheduled_until": (now + timedelta(hours=2)).isoformat(),
                "components": [component.pk],
            },
            format="json",
        )

    add()
    counts = {}
    for url in ("/api/components/", "/api/scheduled-maintenances/"):
        with django_assert_max_num_queries(20) as few:
            assert commander_api.get(url).status_code == 200
        counts[url] = len(few.captured_queries)
    for _ in range(8):
        add()
    for url, count in counts.items():
        with django_assert_max_num_queries(count):
            assert commander_api.get(url).json()["count"] == 9


def test_components_crud(commander_api, commander, severities):
    created = commander_api.post("/api/components/", {"name": "Search", "group": "Platform"}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["public_id"]
    duplicate = commander_api.post("/api/components/", {"name": "Search"}, format="json")
    assert duplicate.status_code == 400
    assert "name" in duplicate.json()
    changed = commander_api.patch(f"/api/components/{pk}/", {"status": "degraded_performance"}, format="json")
    assert changed.json()["status"] == "degraded_performance"
    used = ComponentFactory.create(name="Used")
    IncidentFactory.create(by=commander, components=[used])
    refused = commander_api.delete(f"/api/components/{used.pk}/")
    assert refused.status_code == 400
    assert commander_api.delete(f"/api/components/{pk}/").status_code == 204


def test_unknown_reference_is_404(commander_api, severities):
    assert commander_api.get("/api/incidents/INC-2020-01-01-001/").status_code == 404


def test_schema_and_docs(commander_api, client):
    schema = commander_api.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/incidents/",
        "/api/incidents/{reference}/",
        "/api/incidents/{reference}/acknowledge/",
        "/api/incidents/{reference}/resolve/",
        "/api/incidents/{reference}/notes/",
        "/api/incidents/{reference}/status-updates/",
        "/api/incidents/{reference}/timeline/",
        "/api/components/",
        "/api/scheduled-maintenances/",
    ):
        assert path in paths, path
    docs = commander_api.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content


@pytest.mark.parametrize(
    "url",
    [
        "/api/incidents/?component=99999999999999999999999",
        "/api/scheduled-maintenances/?component=-99999999999999999999999",
        "/api/components/99999999999999999999999/",
        "/api/incidents/?started_after=notadate",
    ],
)
def test_out_of_range_input_is_a_client_error(commander_api, severities, url):
    assert commander_api.get(url).status_code in (400, 404)


def test_a_refused_patch_changes_nothing(commander_api, commander, severities):
    """Title and an illegal status in one PATCH: refused whole, the title is not saved."""
    incident = IncidentFactory.create(by=commander, level="P3", title="Checkout slow")
    response = commander_api.patch(
        f"/api/incidents/{incident.reference}/", {"title": "Renamed", "status": "closed"}, format="json"
    )
    assert response.status_code == 400
    assert "status" in response.json()
    incident.refresh_from_db()
    assert (incident.title, incident.status) == ("Checkout slow", "investigating")
    assert not incident.timeline.filter(kind="edit").exists()
