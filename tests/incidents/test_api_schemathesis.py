"""Property-based run of the private API against its own OpenAPI schema: no 5xx, and every response
matches the schema (status codes other than documented 2xx are checked for shape only)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token

from config.wsgi import application
from incidents.statuspage import services as status_services
from tests.factories import ComponentFactory, IncidentFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)

# Generated cases only: the explicit phase (the schema's coverage cases, some 90 requests an operation)
# would make this run minutes long; a bounded number of generated cases keeps it near a minute.
GENERATED_ONLY = [Phase.generate]

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.content_type_conformance,
]


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Calling the WSGI application directly would close the test's database connection after each
    request (Django's own test client disconnects this handler too)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(commander, severities) -> str:
    api = ComponentFactory.create(name="API")
    incident = IncidentFactory.create(by=commander, level="P2", public=True, components=[api])
    status_services.status_update_publish(incident, status="identified", body="Found it.", by=commander)
    return Token.objects.create(user=commander).key


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=8,
    phases=GENERATED_ONLY,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case, token):
    response = case.call(headers={"Authorization": f"Token {token}"})
    case.validate_response(response, checks=CHECKS)


# The same API with a NUL byte in every generated string (bodies, query strings, path parameters):
# PostgreSQL refuses NUL in text, so each must be answered 400 or 404 before it reaches the database, with
# a body that matches the schema where the schema describes one.
NUL_CHECKS = [schemathesis.checks.not_a_server_error, schemathesis.checks.response_schema_conformance]
nul_schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
nul_schema.config.generation.update(allow_x00=True)


def with_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value + "\x00"
    if isinstance(value, dict):
        return {key: with_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [with_nul(item) for item in value]
    return value


@nul_schema.hook
def map_body(context: Any, body: Any) -> Any:
    return with_nul(body)


@nul_schema.hook
def map_query(context: Any, query: dict[str, Any]) -> dict[str, Any]:
    return with_nul(query)


@nul_schema.hook
def map_path_parameters(context: Any, path_parameters: dict[str, Any]) -> dict[str, Any]:
    return with_nul(path_parameters)


@pytest.mark.django_db
@nul_schema.parametrize()
@settings(
    max_examples=4,
    phases=GENERATED_ONLY,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_refuses_nul_characters_anywhere(case, token):
    response = case.call(headers={"Authorization": f"Token {token}"})
    case.validate_response(response, checks=NUL_CHECKS)
