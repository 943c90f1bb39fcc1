"""The API's schema and docs need a login unless API_DOCS_PUBLIC is set; fields that come from a
nullable foreign key are nullable in the schema, so responses with a missing author validate."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework.authtoken.models import Token
from werkzeug.test import Client as WsgiClient

from config.wsgi import application
from incidents.models import TimelineEntry
from incidents.statuspage import services as status_services
from tests.conftest import api_for
from tests.factories import IncidentFactory, resolved_incident
from tests.test_settings import run_manage

pytestmark = pytest.mark.django_db


@pytest.fixture
def docs_closed(settings):
    settings.API_DOCS_PUBLIC = False
    return settings


def test_schema_needs_a_login_when_docs_are_not_public(client, docs_closed, viewer):
    assert client.get("/api/schema/").status_code in (401, 403)
    docs = client.get("/api/docs/")
    assert docs.status_code == 302
    assert docs["Location"].startswith("/admin/login/?next=/api/docs/")
    assert api_for(viewer).get("/api/schema/").status_code == 200
    client.force_login(viewer)
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/schema/").status_code == 200


def test_schema_is_open_when_docs_are_public(client, settings):
    settings.API_DOCS_PUBLIC = True
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_production_keeps_the_docs_closed_by_default():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print('public', settings.API_DOCS_PUBLIC)",
        SECRET_KEY="x" * 60 + "-production-key",
        ALLOWED_HOSTS="w.example",
    )
    assert result.returncode == 0, result.stderr
    assert "public False" in result.stdout


@pytest.fixture
def wsgi_in_test_transaction():
    """Calling the WSGI application directly would close the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WsgiClient(application)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_responses_without_an_author_validate_against_the_schema(wsgi_in_test_transaction, commander, severities):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    incident = resolved_incident(by=commander, level="P1")
    postmortem = incident.postmortem
    type(postmortem).objects.filter(pk=postmortem.pk).update(author=None)
    status_services.status_update_publish(incident, status="resolved", body="Fixed.", by=commander)
    incident.status_updates.update(author=None)
    TimelineEntry.objects.filter(incident=incident).update(author=None)
    orphan = IncidentFactory.create(by=commander, level="P3")
    type(orphan).objects.filter(pk=orphan.pk).update(commander=None)
    headers = {"Authorization": f"Token {Token.objects.create(user=commander).key}"}

    checked = {
        ("/api/postmortems/", "/api/postmortems/"),
        ("/api/postmortems/{id}/", f"/api/postmortems/{postmortem.pk}/"),
        ("/api/incidents/{reference}/timeline/", f"/api/incidents/{incident.reference}/timeline/"),
        ("/api/incidents/{reference}/status-updates/", f"/api/incidents/{incident.reference}/status-updates/"),
        ("/api/incidents/{reference}/", f"/api/incidents/{orphan.reference}/"),
    }
    for template, path in checked:
        response = wsgi_in_test_transaction.get(path, headers=headers)
        assert response.status_code == 200, path
        assert "null" in response.get_data(as_text=True), path
        schema[template]["GET"].validate_response(response)
