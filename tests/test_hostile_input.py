"""Hostile input never reaches the database raw: a NUL byte in JSON, a form, a query string or a URL is a
400 naming what was wrong (or a 404 for a path), never a 500 (PostgreSQL refuses NUL in text)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from incidents.models import Incident
from postmortems.models import PostMortem
from tests.factories import IncidentFactory, resolved_incident

pytestmark = pytest.mark.django_db
NUL = "\x00"


@pytest.fixture
def api(commander) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=commander).key}")
    return client


def test_nul_in_a_json_body_is_a_400_naming_the_field(api, commander, severities):
    incident = resolved_incident(by=commander, level="P3")
    response = api.post("/api/postmortems/", {"incident": incident.reference, "summary": f"a{NUL}b"}, format="json")
    assert response.status_code == 400
    assert "summary" in response.json()
    assert not PostMortem.objects.filter(incident=incident).exists()


def test_nul_deep_in_a_json_body_names_the_path(api, commander, severities):
    incident = resolved_incident(by=commander, level="P1")
    postmortem = PostMortem.objects.get(incident=incident)
    response = api.put(
        f"/api/postmortems/{postmortem.pk}/whys/",
        {"whys": [{"question": "Why?", "answer": f"No{NUL}pool"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "whys[0].answer" in response.json()


def test_nul_in_a_patch_changes_nothing(api, commander, severities):
    incident = IncidentFactory.create(by=commander, title="Checkout slow")
    response = api.patch(f"/api/incidents/{incident.reference}/", {"title": f"a{NUL}b"}, format="json")
    assert response.status_code == 400
    assert "title" in response.json()
    incident.refresh_from_db()
    assert incident.title == "Checkout slow"


def test_nul_in_a_json_key_is_refused(api, commander, severities):
    incident = IncidentFactory.create(by=commander)
    response = api.patch(f"/api/incidents/{incident.reference}/", {f"ti{NUL}tle": "x"}, format="json")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "url",
    ["/status/incidents/a%00b", "/api/incidents/INC-2026-01-01-001%00/", "/admin/incidents/incident/1%00/change/"],
)
def test_nul_in_a_url_path_is_a_404(client, commander, severities, url):
    client.force_login(commander)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/api/incidents/?severity=%00",
        "/api/action-items/?incident=a%00",
        "/api/postmortems/?status=draft%00",
        "/api/reports/all/?severity=P1%00",
        "/admin/incidents/incident/?q=%00",
        "/status/api/v2/summary.json?x=%00",
    ],
)
def test_nul_in_a_query_string_is_a_400(api, client, commander, severities, url):
    client.force_login(commander)
    response = (api if url.startswith("/api/") else client).get(url)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_nul_in_an_admin_form_is_refused_and_nothing_is_written(commander_client, severities):
    response = commander_client.post(
        reverse("admin:incidents_incident_add"), {"title": f"Broken{NUL}checkout", "severity": severities["P3"].pk}
    )
    assert response.status_code in (200, 400)
    assert not Incident.objects.exists()


def test_nul_in_a_form_post_to_the_api_is_a_400(api, commander, severities):
    incident = IncidentFactory.create(by=commander)
    response = api.post(f"/api/incidents/{incident.reference}/notes/", {"text": f"a{NUL}b"})  # form-encoded
    assert response.status_code == 400
    assert not incident.timeline.filter(kind="note").exists()


def test_nul_in_a_text_value_used_as_a_lookup_is_a_400(api, commander, severities):
    """A severity or an incident given by a text key is looked up in the database: refused before that."""
    response = api.post("/api/incidents/", {"title": "Down", "severity": f"P{NUL}"}, format="json")
    assert response.status_code == 400
    assert "severity" in response.json()
    response = api.post("/api/postmortems/", {"incident": f"a{NUL}b"}, format="json")
    assert response.status_code == 400
    assert "incident" in response.json()


def test_nul_in_a_form_encoded_patch_is_a_400(api, commander, severities):
    """Django parses only POST bodies; the API's own form parsers check PATCH and PUT forms."""
    from urllib.parse import urlencode

    incident = IncidentFactory.create(by=commander, title="Checkout slow")
    response = api.patch(
        f"/api/incidents/{incident.reference}/",
        urlencode({"severity": f"P{NUL}", "title": "Renamed"}),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "severity" in response.json()
    incident.refresh_from_db()
    assert incident.title == "Checkout slow"


def test_nul_in_a_cookie_or_a_header_is_a_400(client, commander, severities):
    """A session key or an API token with a NUL would fail in its database lookup."""
    client.cookies["sessionid"] = f"abcdefgh{NUL}x"
    assert client.get("/admin/").status_code == 400
    client.cookies.clear()
    assert client.get("/api/incidents/", HTTP_AUTHORIZATION=f"Token a{NUL}b").status_code == 400


def test_json_nested_too_deeply_is_a_400(api, commander, severities):
    incident = IncidentFactory.create(by=commander)
    deep = "[" * 100_000 + "]" * 100_000
    response = api.patch(f"/api/incidents/{incident.reference}/", deep, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


def test_nul_in_an_api_path_is_a_404(api, commander, severities):
    assert api.get("/api/incidents/a%00b/status-updates/").status_code == 404
