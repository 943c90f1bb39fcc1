"""Fixtures shared by the status page tests."""

from __future__ import annotations

import pytest

from incidents.statuspage import services as status_services
from tests.factories import ComponentFactory, IncidentFactory


@pytest.fixture
def incident(commander, severities):
    """A public P2 on the API component with one published update."""
    api = ComponentFactory.create(name="API")
    incident = IncidentFactory.create(by=commander, level="P2", public=True, title="Checkout errors", components=[api])
    status_services.status_update_publish(incident, status="investigating", body="We are investigating.", by=commander)
    return incident
