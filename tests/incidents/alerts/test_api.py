"""The webhook endpoints (keys, bad input, contract shapes) and `/api/integrations/`."""

from __future__ import annotations

import json

import pytest
import time_machine

from incidents.alerts import services
from incidents.alerts.models import Alert, Integration, Outcome, Payload
from incidents.models import Incident
from tests.conftest import api_for
from tests.incidents.alerts.conftest import T0, am_payload, fixture

pytestmark = pytest.mark.django_db


def post(client, url, body, **headers):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", **headers)


@pytest.mark.parametrize(
    ("endpoint", "name", "title"),
    [
        ("alertmanager", "alertmanager_firing.json", "Checkout is failing requests"),
        ("grafana", "grafana_firing.json", "Database disk almost full in eu-1"),
        ("generic", "generic_firing.json", "Nightly backup did not finish"),
    ],
)
def test_each_shape_is_accepted_with_the_key_in_the_url(client, integration, key, endpoint, name, title):
    with time_machine.travel(T0, tick=False):
        response = post(client, f"/api/integrations/{key}/{endpoint}/", fixture(name))
    assert response.status_code == 202, response.content
    assert response.json()["outcome"] == Outcome.DECLARED
    assert Incident.objects.get().title == title


def test_the_key_is_accepted_as_a_bearer_token(client, integration, key):
    with time_machine.travel(T0, tick=False):
        response = post(
            client,
            "/api/integrations/alertmanager/",
            fixture("alertmanager_firing.json"),
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
    assert response.status_code == 202
    assert Incident.objects.count() == 1


@pytest.mark.parametrize("wrong", ["nope", "x" * 43, ""])
def test_a_wrong_key_answers_404_with_no_detail_and_stores_nothing(client, integration, key, wrong):
    url = f"/api/integrations/{wrong}/alertmanager/" if wrong else "/api/integrations/alertmanager/"
    response = post(client, url, fixture("alertmanager_firing.json"), HTTP_AUTHORIZATION=f"Bearer {wrong}x")
    assert response.status_code == 404
    assert response.content == b""
    assert not Payload.objects.exists()
    assert not Incident.objects.exists()


def test_a_revoked_or_rotated_key_answers_404(client, integration, key):
    integration.active = False
    integration.save()
    assert post(client, f"/api/integrations/{key}/alertmanager/", {}).status_code == 404
    integration.active = True
    integration.save()
    new_key = services.integration_rotate_key(integration)
    assert post(client, f"/api/integrations/{key}/alertmanager/", {}).status_code == 404
    assert post(client, f"/api/integrations/{new_key}/alertmanager/", {}).status_code == 400
    assert not Payload.objects.filter(outcome=Outcome.DECLARED).exists()


def test_only_a_digest_of_the_key_is_stored(integration, key):
    stored = Integration.objects.filter(pk=integration.pk).values().get()
    assert key not in json.dumps(stored, default=str)
    assert stored["key_hash"] != key
    assert len(stored["key_hash"]) == 64


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda body: body.pop("groupKey"), "groupKey"),
        (lambda body: body.pop("alerts"), "alerts"),
        (lambda body: body["alerts"][1].pop("startsAt"), "alerts[1].startsAt"),
        (lambda body: body["alerts"][0].update(startsAt="yesterday"), "alerts[0].startsAt"),
        (lambda body: body["alerts"][0].update(status="burning"), "alerts[0].status"),
        (lambda body: body["alerts"][0].update(labels=["x"]), "alerts[0].labels"),
    ],
)
def test_a_missing_or_bad_field_is_a_400_naming_it_and_stored_as_rejected(client, key, mutate, field):
    body = fixture("alertmanager_firing.json")
    mutate(body)
    response = post(client, f"/api/integrations/{key}/alertmanager/", body)
    assert response.status_code == 400
    assert field in response.json()
    rejected = Payload.objects.get()
    assert rejected.outcome == Outcome.REJECTED
    assert field in rejected.detail
    assert json.loads(rejected.body) == body
    assert not Incident.objects.exists()


def test_malformed_json_is_a_400_and_stored(client, key):
    response = post(client, f"/api/integrations/{key}/generic/", b'{"title": "x", ')
    assert response.status_code == 400
    assert "body" in response.json()
    assert Payload.objects.get().body == '{"title": "x", '


def test_the_generic_shape_names_its_missing_fields(client, key):
    response = post(client, f"/api/integrations/{key}/generic/", {"title": "Backup", "status": "firing"})
    assert response.status_code == 400
    assert list(response.json()) == ["dedup_key"]


def test_a_payload_over_1_mib_is_a_413(client, key):
    body = am_payload("Big")
    body["alerts"][0]["annotations"]["description"] = "x" * (1024 * 1024)
    response = post(client, f"/api/integrations/{key}/alertmanager/", body)
    assert response.status_code == 413
    assert not Incident.objects.exists()


def test_the_same_payload_posted_twice_changes_nothing_the_second_time(client, key):
    body = fixture("alertmanager_firing.json")
    with time_machine.travel(T0, tick=False):
        assert post(client, f"/api/integrations/{key}/alertmanager/", body).json()["outcome"] == "declared"
        second = post(client, f"/api/integrations/{key}/alertmanager/", body)
    assert second.status_code == 202
    assert second.json()["outcome"] == "ignored"
    assert (Incident.objects.count(), Alert.objects.count()) == (1, 2)


def test_only_post_is_accepted(client, key):
    assert client.get(f"/api/integrations/{key}/alertmanager/").status_code == 405


# /api/integrations/


def test_creating_an_integration_shows_its_key_once(commander_api, severities):
    response = commander_api.post(
        "/api/integrations/",
        {"name": "Grafana", "kind": "grafana", "default_severity": "P2", "severity_rules": "severity=critical: P1"},
        format="json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["webhook_url"].endswith(f"/api/integrations/{created['key']}/grafana/")
    listed = commander_api.get("/api/integrations/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert "key" not in rows[0]
    assert rows[0]["key_hint"] == created["key"][:6]


def test_bad_rules_are_a_400_naming_the_field(commander_api, severities):
    response = commander_api.post(
        "/api/integrations/",
        {"name": "Bad", "kind": "generic", "default_severity": "P2", "severity_rules": "severity=critical: P9"},
        format="json",
    )
    assert response.status_code == 400
    assert "severity_rules" in response.json()
    assert not Integration.objects.exists()


def test_viewers_list_but_cannot_create(viewer, severities):
    api = api_for(viewer)
    assert api.get("/api/integrations/").status_code == 200
    response = api.post("/api/integrations/", {"name": "X", "kind": "generic", "default_severity": "P2"})
    assert response.status_code == 403


def test_integration_list_query_count_does_not_grow(commander_api, severities, django_assert_max_num_queries):
    services.integration_create(name="One", kind="generic", default_severity=severities["P2"])
    with django_assert_max_num_queries(20) as few:
        assert commander_api.get("/api/integrations/").status_code == 200
    for n in range(10):
        services.integration_create(name=f"More {n}", kind="generic", default_severity=severities["P3"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert commander_api.get("/api/integrations/").status_code == 200


@pytest.mark.parametrize("body", [b'{"title": "a\\u0000b", "status": "firing", "dedup_key": "k"}', b"{\x00}"])
def test_nul_characters_are_a_400_and_still_audited(client, key, body):
    response = post(client, f"/api/integrations/{key}/generic/", body)
    assert response.status_code == 400
    assert "body" in response.json()
    assert Payload.objects.get().outcome == Outcome.REJECTED
