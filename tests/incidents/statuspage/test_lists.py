"""Query counts of the status page's lists: an incident's updates in the API and all updates in the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from incidents.statuspage import services
from tests.factories import ComponentFactory, IncidentFactory

pytestmark = pytest.mark.django_db


def publish_more(incident, by, count: int) -> None:
    for n in range(count):
        component = ComponentFactory.create(name=f"Service {incident.pk}-{n}")
        services.status_update_publish(
            incident,
            status="identified",
            body=f"Update {n}",
            by=by,
            component_statuses={component: "degraded_performance"},
        )


def test_status_updates_api_list_query_count_does_not_grow(commander, severities, django_assert_max_num_queries):
    incident = IncidentFactory.create(by=commander, level="P2", public=True)
    publish_more(incident, commander, 1)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=commander).key}")
    url = f"/api/incidents/{incident.reference}/status-updates/"
    with django_assert_max_num_queries(20) as few:
        assert api.get(url).json()["count"] == 1
    publish_more(incident, commander, 8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api.get(url).json()["count"] == 9


def test_status_update_admin_list_query_count_does_not_grow(
    commander_client, commander, severities, django_assert_max_num_queries
):
    url = reverse("admin:statuspage_statusupdate_changelist")
    publish_more(IncidentFactory.create(by=commander, level="P2", public=True), commander, 1)
    with django_assert_max_num_queries(30) as few:
        assert commander_client.get(url).status_code == 200
    for _ in range(4):
        publish_more(IncidentFactory.create(by=commander, level="P3", public=True), commander, 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = commander_client.get(url).content.decode()
    assert page.count("Update 1") >= 4


def test_withdraw_from_the_status_update_list(commander_client, commander, severities):
    incident = IncidentFactory.create(by=commander, level="P2", public=True)
    update = services.status_update_publish(incident, status="investigating", body="Wrong incident.", by=commander)
    response = commander_client.post(
        reverse("admin:statuspage_statusupdate_changelist"),
        {"action": "withdraw_selected", "_selected_action": [update.pk]},
        follow=True,
    )
    assert response.status_code == 200
    update.refresh_from_db()
    assert update.published is False
    assert incident.timeline.filter(kind="edit", text__startswith="Withdrew").exists()
