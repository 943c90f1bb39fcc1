"""The API's optimistic concurrency: an incident's ETag is its version; If-Match (412) or a `version`
field (409) makes a write refuse to overwrite a change made meanwhile."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from incidents import roles, services
from incidents.models import Incident, IncidentStatus
from incidents.statuspage.models import StatusUpdate
from tests.conftest import make_user
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _at_10_32():
    with time_machine.travel(datetime(2026, 11, 27, 10, 32, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def alice(django_user_model):
    return make_user(django_user_model, "alice", roles.COMMANDER)


def url(incident: Incident, tail: str = "") -> str:
    return f"/api/incidents/{incident.reference}/{tail}"


def test_an_incident_is_read_with_its_version_as_etag(commander_api, commander, severities):
    incident = IncidentFactory.create(by=commander)
    services.incident_acknowledge(incident, by=commander)
    response = commander_api.get(url(incident))
    assert response.status_code == 200
    assert response["ETag"] == '"2"'
    assert response.json()["version"] == 2


def test_if_match_with_the_current_etag_applies_and_returns_the_new_one(commander_api, commander, severities):
    incident = IncidentFactory.create(by=commander)
    etag = commander_api.get(url(incident))["ETag"]
    response = commander_api.patch(url(incident), {"title": "Checkout down"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    assert response.json()["title"] == "Checkout down"


def test_a_stale_if_match_is_412_naming_the_change(commander_api, commander, alice, severities):
    incident = IncidentFactory.create(by=commander, title="Checkout errors")
    etag = commander_api.get(url(incident))["ETag"]
    services.incident_update_details(incident, by=alice, title="Checkout down")

    response = commander_api.patch(url(incident), {"title": "Mine"}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 412
    assert response.json() == {
        "detail": f"{incident.reference} was changed by alice at 10:32 UTC, review and resubmit.",
        "code": "conflict",
        "version": 2,
        "your_version": 1,
        "changed_by": "alice",
        "changed_at": "2026-11-27T10:32:00Z",
    }
    assert response["ETag"] == '"2"'
    assert Incident.objects.get(pk=incident.pk).title == "Checkout down"


def test_a_stale_version_field_is_409(commander_api, commander, alice, severities):
    incident = IncidentFactory.create(by=commander)
    services.incident_move_status(incident, status=IncidentStatus.IDENTIFIED, by=alice)
    response = commander_api.patch(url(incident), {"status": "monitoring", "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["changed_by"] == "alice"
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.IDENTIFIED


@pytest.mark.parametrize(
    ("tail", "body"),
    [
        ("acknowledge/", {}),
        ("resolve/", {"note": "fixed"}),
        ("status-updates/", {"status": "monitoring", "body": "Watching."}),
    ],
)
def test_every_state_changing_action_takes_if_match(tail, body, commander_api, commander, alice, severities):
    incident = IncidentFactory.create(by=commander)
    services.incident_change_severity(incident, severity=severities["P2"], by=alice)
    stale = commander_api.post(url(incident, tail), body, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412, stale.content
    assert not StatusUpdate.objects.exists()
    fresh = Incident.objects.get(pk=incident.pk)
    assert (fresh.acknowledged_at, fresh.status) == (None, IncidentStatus.INVESTIGATING)
    current = commander_api.post(url(incident, tail), body, format="json", HTTP_IF_MATCH='"2"')
    assert current.status_code in (200, 201), current.content


def test_without_a_version_nothing_is_checked(commander_api, commander, alice, severities):
    incident = IncidentFactory.create(by=commander)
    services.incident_acknowledge(incident, by=alice)
    assert commander_api.patch(url(incident), {"title": "Last write wins"}, format="json").status_code == 200
    assert commander_api.post(url(incident, "resolve/"), {}, format="json", HTTP_IF_MATCH="*").status_code == 200


@pytest.mark.parametrize(("header", "field"), [('W/"1"', "If-Match"), ("1", "If-Match"), ('"1", "2"', "If-Match")])
def test_a_malformed_if_match_is_400_naming_it(header, field, commander_api, commander, severities):
    incident = IncidentFactory.create(by=commander)
    response = commander_api.patch(url(incident), {"title": "x"}, format="json", HTTP_IF_MATCH=header)
    assert response.status_code == 400
    assert field in response.json()


def test_if_match_and_version_must_agree(commander_api, commander, severities):
    incident = IncidentFactory.create(by=commander)
    response = commander_api.patch(url(incident), {"title": "x", "version": 2}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 400
    assert "version" in response.json()


def test_the_schema_documents_if_match_and_the_conflict_answers(commander_api):
    schema = commander_api.get("/api/schema/", {"format": "json"}).json()
    for path, method in [
        ("/api/incidents/{reference}/", "patch"),
        ("/api/incidents/{reference}/acknowledge/", "post"),
        ("/api/incidents/{reference}/resolve/", "post"),
        ("/api/incidents/{reference}/status-updates/", "post"),
    ]:
        operation = schema["paths"][path][method]
        assert any(p["name"] == "If-Match" and p["in"] == "header" for p in operation["parameters"]), path
        assert {"409", "412"} <= set(operation["responses"]), path
    assert "version" in schema["components"]["schemas"]["Conflict"]["properties"]
