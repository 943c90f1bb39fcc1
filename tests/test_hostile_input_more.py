"""More hostile input: NUL in a looked-up value, JSON nested deep, dates at the ends of the calendar,
digits that are not ASCII, and lists long enough to cost one query per item. Each is a 4xx naming what
was wrong (or an admin form error), never a 500 and never a slow request."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from incidents.models import Component, Incident
from postmortems.models import ActionItem
from tests.factories import ActionItemFactory, ComponentFactory, IncidentFactory, UserFactory, resolved_incident

pytestmark = pytest.mark.django_db
NUL = "\x00"
EDGE_DATES = ["0001-01-01", "9999-12-31"]


@pytest.fixture
def api(commander) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=commander).key}")
    return client


# NUL bytes and nesting


def test_nul_in_a_status_page_path_is_a_404(client, severities):
    assert client.get("/status/incidents/a%00b").status_code == 404


@pytest.mark.parametrize("method", ["post", "patch"])
def test_nul_inside_a_severity_level_is_a_400_naming_it(api, commander, severities, method):
    body = '{"title": "Down", "severity": "P\\u00004"}'  # the JSON escape, as a client would send it
    if method == "post":
        response = api.post("/api/incidents/", body, content_type="application/json")
    else:
        incident = IncidentFactory.create(by=commander)
        response = api.patch(f"/api/incidents/{incident.reference}/", body, content_type="application/json")
    assert response.status_code == 400
    assert "severity" in response.json()


@pytest.mark.parametrize(
    "url", ["/api/incidents/", "/api/action-items/", "/api/components/", "/api/scheduled-maintenances/"]
)
def test_100_kb_of_nested_json_arrays_is_a_400(api, commander, severities, url):
    deep = "[" * 51_200 + "]" * 51_200
    response = api.post(url, deep, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


# Dates at the ends of the calendar


@pytest.fixture
def postmortem(commander, severities):
    return resolved_incident(by=commander).postmortem


@pytest.mark.parametrize("due", EDGE_DATES)
def test_action_item_due_at_the_ends_of_the_calendar_is_a_400(api, postmortem, due):
    owner = UserFactory.create(username="olive")
    body = {"postmortem": postmortem.pk, "action": "Fix it", "owner": owner.pk, "due_date": due}
    response = api.post("/api/action-items/", body, format="json")
    assert response.status_code == 400
    assert "due_date" in response.json()
    assert not ActionItem.objects.exists()


@pytest.mark.parametrize("due", EDGE_DATES)
def test_action_item_moved_to_the_ends_of_the_calendar_is_a_400(api, postmortem, commander, due):
    item = ActionItemFactory.create(postmortem=postmortem, by=commander)
    before = item.due_date
    response = api.patch(f"/api/action-items/{item.pk}/", {"due_date": due}, format="json")
    assert response.status_code == 400
    assert "due_date" in response.json()
    item.refresh_from_db()
    assert item.due_date == before


@pytest.mark.parametrize("due", EDGE_DATES)
def test_action_item_at_the_ends_of_the_calendar_in_the_admin_is_a_form_error(
    commander_client, postmortem, commander, due
):
    response = commander_client.post(
        reverse("admin:postmortems_actionitem_add"),
        {
            "postmortem": postmortem.pk,
            "action": "Fix it",
            "owner": commander.pk,
            "priority": "medium",
            "due_date": due,
            "status": "open",
        },
    )
    assert response.status_code == 200
    assert "due date" in response.content.decode().lower()
    assert not ActionItem.objects.exists()


@pytest.mark.parametrize("due", EDGE_DATES)
def test_action_item_filters_at_the_ends_of_the_calendar_answer(api, postmortem, commander, due):
    ActionItemFactory.create(postmortem=postmortem, by=commander)
    for name in ("due_after", "due_before"):
        assert api.get(f"/api/action-items/?{name}={due}").status_code == 200


@pytest.mark.parametrize("start", EDGE_DATES)
@pytest.mark.parametrize("end", EDGE_DATES)
def test_report_filters_at_the_ends_of_the_calendar_never_500(api, manager, postmortem, commander, start, end):
    ActionItemFactory.create(postmortem=postmortem, by=commander)
    manager_api = APIClient()
    manager_api.force_authenticate(manager)
    for path in ("all", "action-items", "incidents"):
        response = manager_api.get(f"/api/reports/{path}/?start={start}&end={end}")
        assert response.status_code in (200, 400), (path, response.status_code)
    client = APIClient()
    client.force_login(manager)
    page = client.get(reverse("admin:postmortems_report") + f"?start={start}&end={end}")
    assert page.status_code == 200
    csv = manager_api.get(f"/api/reports/action-items-by-owner.csv?start={start}&end={end}")
    assert csv.status_code in (200, 400)


@pytest.mark.parametrize("day", EDGE_DATES)
def test_action_item_admin_list_at_the_ends_of_the_calendar(commander_client, postmortem, commander, day):
    ActionItemFactory.create(postmortem=postmortem, by=commander)
    year, month, dom = (int(part) for part in day.split("-"))
    url = reverse("admin:postmortems_actionitem_changelist")
    for query in (f"?due_date__year={year}", f"?due_date__year={year}&due_date__month={month}&due_date__day={dom}"):
        assert commander_client.get(url + query).status_code in (200, 302)


# Digits that are not ASCII


@pytest.mark.parametrize("value", ["\u0663", "\uff13", "\u00b2", "1\u0663", "9" * 5000, "101", "-1"])
def test_suggest_severity_refuses_a_percentage_that_is_not_ascii_digits(commander_client, severities, value):
    url = reverse("admin:incidents_incident_suggest_severity")
    response = commander_client.get(url, {"users_affected_pct": value})
    assert response.status_code == 400
    assert "users_affected_pct" in response.json()


def test_suggest_severity_still_reads_a_plain_percentage(commander_client, severities):
    url = reverse("admin:incidents_incident_suggest_severity")
    response = commander_client.get(url, {"users_affected_pct": "60"})
    assert response.status_code == 200
    assert response.json()["level"] == "P1"


# Long lists: a cap naming the field, duplicates merged, one query for all the ids


@pytest.mark.parametrize("method", ["post", "patch"])
def test_twenty_thousand_components_is_a_400_naming_the_field(
    api, commander, severities, method, django_assert_max_num_queries
):
    component = ComponentFactory.create(name="API")
    body = {"title": "Down", "severity": "P3", "components": [component.pk] * 20_000}
    incident = IncidentFactory.create(by=commander) if method == "patch" else None
    with django_assert_max_num_queries(12):
        if incident is None:
            response = api.post("/api/incidents/", body, format="json")
        else:
            response = api.patch(f"/api/incidents/{incident.reference}/", body, format="json")
    assert response.status_code == 400
    assert "components" in response.json()
    assert "at most" in json.dumps(response.json())


def test_repeated_components_are_merged_and_looked_up_in_one_query(
    api, commander, severities, django_assert_num_queries
):
    components = [ComponentFactory.create(name=f"C{n}") for n in range(5)]
    ids = [c.pk for c in components] * 10
    response = api.post("/api/incidents/", {"title": "Down", "severity": "P3", "components": ids}, format="json")
    assert response.status_code == 201, response.json()
    assert sorted(response.json()["components"]) == sorted(c.pk for c in components)
    incident = Incident.objects.get()
    assert incident.components.count() == 5
    from incidents.api import serializers

    serializer = serializers.IncidentCreateSerializer(data={"title": "x", "severity": "P3", "components": ids})
    with django_assert_num_queries(2):  # the severity, then every component at once
        assert serializer.is_valid(), serializer.errors


def test_unknown_component_ids_are_named(api, commander, severities):
    component = ComponentFactory.create(name="API")
    response = api.post(
        "/api/incidents/", {"title": "Down", "severity": "P3", "components": [component.pk, 999_999]}, format="json"
    )
    assert response.status_code == 400
    assert "999999" in json.dumps(response.json()["components"])
    assert not Incident.objects.exists()
    assert Component.objects.count() == 1


def test_other_long_lists_are_capped_naming_the_field(api, commander, severities, postmortem):
    component = ComponentFactory.create(name="API")
    incident = IncidentFactory.create(by=commander, public=True)
    many = 20_000
    cases = [
        (
            "post",
            f"/api/incidents/{incident.reference}/status-updates/",
            {
                "status": "identified",
                "body": "Found.",
                "components": [{"component": component.pk, "status": "major_outage"}] * many,
            },
            "components",
        ),
        (
            "post",
            "/api/scheduled-maintenances/",
            {
                "name": "Upgrade",
                "scheduled_for": "2030-01-01T00:00:00Z",
                "scheduled_until": "2030-01-01T01:00:00Z",
                "components": [component.pk] * many,
            },
            "components",
        ),
        ("patch", f"/api/postmortems/{postmortem.pk}/", {"reviewers": [commander.pk] * many}, "reviewers"),
        ("put", f"/api/postmortems/{postmortem.pk}/whys/", {"whys": [{"question": "Why?"}] * many}, "whys"),
        ("post", f"/api/postmortems/{postmortem.pk}/timeline/", {"keep": [1] * many}, "keep"),
    ]
    for method, url, body, field in cases:
        response = getattr(api, method)(url, body, format="json")
        assert response.status_code == 400, (url, response.status_code)
        assert field in response.json(), (url, response.json())


def test_a_status_update_resolves_its_components_in_one_query(api, commander, severities):
    components = [ComponentFactory.create(name=f"C{n}") for n in range(20)]
    incident = IncidentFactory.create(by=commander, public=True)
    from incidents.statuspage.api.serializers import StatusUpdatePublishSerializer

    rows = [{"component": c.pk, "status": "degraded_performance"} for c in components] * 3
    serializer = StatusUpdatePublishSerializer(data={"status": "identified", "body": "Found.", "components": rows})
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert serializer.is_valid(), serializer.errors
    assert len(queries) == 1
    assert len(serializer.validated_data["components"]) == 20
    unknown = api.post(
        f"/api/incidents/{incident.reference}/status-updates/",
        {"status": "identified", "body": "Found.", "components": [{"component": 999_999, "status": "major_outage"}]},
        format="json",
    )
    assert unknown.status_code == 400
    assert "999999" in json.dumps(unknown.json()["components"])
