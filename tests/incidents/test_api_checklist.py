"""An incident's checklist in the API: listed in order, ticked through `checklist_item_tick`."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents import services
from incidents.models import ChecklistItem, TimelineKind
from tests.conftest import api_for
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(commander, severities):
    return IncidentFactory.create(by=commander, level="P2")


def test_list_in_order_with_who_ticked(viewer, commander, incident):
    response = api_for(viewer).get(f"/api/incidents/{incident.reference}/checklist/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["label"] for row in rows] == list(
        incident.checklist.order_by("position").values_list("label", flat=True)
    )
    ticked = {row["label"]: row["done_by"] for row in rows if row["done"]}
    assert ticked["Begin incident log"] == commander.username


def test_responder_ticks_an_item(responder, incident):
    item = incident.checklist.filter(done_at__isnull=True).order_by("position")[0]
    response = api_for(responder).post(f"/api/incidents/{incident.reference}/checklist/{item.pk}/tick/")
    assert response.status_code == 200, response.content
    assert response.json()["done"] is True
    assert response.json()["done_by"] == responder.username
    item.refresh_from_db()
    assert item.done_by == responder
    assert incident.timeline.filter(kind=TimelineKind.CHECKLIST, data__item=item.pk).exists()


def test_ticking_twice_is_a_400_and_logs_once(responder, incident):
    item = incident.checklist.filter(done_at__isnull=True).order_by("position")[0]
    url = f"/api/incidents/{incident.reference}/checklist/{item.pk}/tick/"
    assert api_for(responder).post(url).status_code == 200
    again = api_for(responder).post(url)
    assert again.status_code == 400
    assert "already ticked" in str(again.json())
    assert incident.timeline.filter(kind=TimelineKind.CHECKLIST, data__item=item.pk).count() == 1


def test_viewer_cannot_tick(viewer, incident):
    item = incident.checklist.filter(done_at__isnull=True).order_by("position")[0]
    assert api_for(viewer).post(f"/api/incidents/{incident.reference}/checklist/{item.pk}/tick/").status_code == 403
    item.refresh_from_db()
    assert item.done_at is None


def test_item_of_another_incident_or_unknown_is_a_404(responder, commander, incident):
    other = IncidentFactory.create(by=commander, level="P3")
    foreign = other.checklist.filter(done_at__isnull=True).order_by("position")[0]
    api = api_for(responder)
    assert api.post(f"/api/incidents/{incident.reference}/checklist/{foreign.pk}/tick/").status_code == 404
    assert api.post(f"/api/incidents/{incident.reference}/checklist/999999999999999999/tick/").status_code == 404
    assert api.get("/api/incidents/INC-2020-01-01-999/checklist/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.done_at is None


def test_list_queries_do_not_grow_with_items(viewer, commander, incident):
    url = f"/api/incidents/{incident.reference}/checklist/"
    api = api_for(viewer)
    api.get(url)  # the user's permissions are cached from here on
    with CaptureQueriesContext(connection) as before:
        api.get(url)
    services.checklist_items_add(incident, labels=[f"Step {n}" for n in range(10)], by=commander, source="a test")
    for item in ChecklistItem.objects.filter(incident=incident, label__startswith="Step")[:5]:
        services.checklist_item_tick(item, by=commander)
    with CaptureQueriesContext(connection) as after:
        body = api.get(url).json()
    assert body["count"] == incident.checklist.count() >= 15
    assert len(after) == len(before)


def test_checklist_items_add_skips_known_labels_and_logs_once(commander, incident):
    known = incident.checklist.first().label
    added = services.checklist_items_add(
        incident, labels=[known, "New step", "  New   step ", ""], by=commander, source="x"
    )
    assert [item.label for item in added] == ["New step"]
    assert added[0].position == max(incident.checklist.values_list("position", flat=True))
    assert incident.timeline.filter(kind=TimelineKind.CHECKLIST, data__source="x").count() == 1


def test_incident_scoped_endpoints_need_a_role(db, django_user_model, incident):
    from rest_framework.test import APIClient

    nobody = django_user_model.objects.create_user(username="nobody", password="pw")
    for suffix in ("checklist/", "notifications/", "playbooks/suggested/", "timeline/"):
        url = f"/api/incidents/{incident.reference}/{suffix}"
        assert api_for(nobody).get(url).status_code == 403, url
        assert APIClient().get(url).status_code in (401, 403), url
