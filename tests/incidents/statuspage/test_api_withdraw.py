"""Withdrawing a status update through the API, as the cockpit's "Withdraw" does."""

from __future__ import annotations

import pytest

from incidents.models import TimelineKind
from incidents.statuspage import services
from tests.conftest import api_for
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(commander, severities):
    incident = IncidentFactory.create(by=commander, level="P2", public=True)
    return services.status_update_publish(incident, status="investigating", body="Looking.", by=commander)


def url(update) -> str:
    return f"/api/incidents/{update.incident.reference}/status-updates/{update.public_id}/withdraw/"


def test_commander_withdraws_and_it_is_logged(commander, published):
    response = api_for(commander).post(url(published))
    assert response.status_code == 200, response.content
    assert response.json()["published"] is False
    published.refresh_from_db()
    assert published.published is False
    assert published.incident.timeline.filter(kind=TimelineKind.EDIT, text__startswith="Withdrew").exists()


def test_withdrawing_twice_is_a_400_naming_published(commander, published):
    assert api_for(commander).post(url(published)).status_code == 200
    again = api_for(commander).post(url(published))
    assert again.status_code == 400
    assert "published" in again.json()


def test_responder_cannot_withdraw(responder, published):
    assert api_for(responder).post(url(published)).status_code == 403
    published.refresh_from_db()
    assert published.published is True


def test_update_of_another_incident_is_a_404(commander, published):
    other = IncidentFactory.create(by=commander, level="P3")
    path = f"/api/incidents/{other.reference}/status-updates/{published.public_id}/withdraw/"
    assert api_for(commander).post(path).status_code == 404
    published.refresh_from_db()
    assert published.published is True
