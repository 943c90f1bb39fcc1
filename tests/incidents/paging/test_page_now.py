"""Page now: a person, a rotation's current on-call or an escalation tier, outside the schedule, with a
reason, through the outbox and logged; from the service, the cockpit panel and the API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from incidents import roles
from incidents.models import Incident, TimelineKind
from incidents.outbox.models import Notification
from incidents.paging import services
from incidents.paging.models import EscalationStep, Rotation, RotationMember, RotationOverride
from tests.conftest import api_for, make_user
from tests.factories import IncidentFactory, resolved_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(django_user_model):
    return {
        name: make_user(django_user_model, name, roles.RESPONDER, email=f"{name}@example.com")
        for name in ("ana", "ben", "cy", "dee")
    }


@pytest.fixture
def rotation(people):
    """A daily rotation from 2026-01-01, handing off at 09:00 UTC: ana, then ben."""
    rotation = Rotation.objects.create(
        name="Database on-call", time_zone="UTC", shift_length=timedelta(days=1), start_date=date(2026, 1, 1)
    )
    RotationMember.objects.create(rotation=rotation, user=people["ana"], position=0)
    RotationMember.objects.create(rotation=rotation, user=people["ben"], position=1)
    return rotation


@pytest.fixture
def senior_tier(people, rotation, severities):
    """The seeded P1 "Senior Engineer" tier (group Senior Engineers) with cy and dee in the group, plus a
    webhook URL."""
    step = EscalationStep.objects.get(policy__severity=severities["P1"], tier="Senior Engineer")
    group = Group.objects.get(name="Senior Engineers")
    group.user_set.add(people["cy"], people["dee"])
    step.apprise_urls = "json://hooks.example.com/warroom"
    step.save()
    return step


@pytest.fixture
def incident(commander, severities):
    return IncidentFactory.create(by=commander, level="P3", title="Replica lag")


def paged(entry) -> list[str]:
    rows = Notification.objects.filter(dedupe_key=f"page:{entry.pk}").select_related("user").order_by("id")
    return [row.user.username if row.user else row.target for row in rows]


def test_page_a_person(incident, commander, people):
    entry = services.page_now(incident, by=commander, user=people["dee"], reason="  need  the DBA ")
    assert entry.kind == TimelineKind.PAGE
    assert entry.text == "Paged Dee: need the DBA"
    assert entry.author == commander
    assert entry.data == {"target": "user", "user": people["dee"].pk, "reason": "need the DBA"}
    assert paged(entry) == ["dee"]
    row = Notification.objects.get(dedupe_key=f"page:{entry.pk}")
    assert "paged by Casey: need the DBA" in row.subject
    assert incident.reference in row.subject
    assert row.about == incident


def test_page_a_rotation_pages_whoever_is_on_call_now(incident, commander, rotation, people):
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=UTC), tick=False):
        # 2026-03-02 09:00 starts shift number 60 since 2026-01-01 09:00: ana (even).
        first = services.page_now(incident, by=commander, rotation=rotation, reason="replica lag")
        later = services.page_now(incident, by=commander, rotation=rotation, reason="replica lag")
    assert paged(first) == paged(later) == ["ana"]  # each page is its own notification
    assert first.text == "Paged Ana, on call in Database on-call: replica lag"
    with time_machine.travel(datetime(2026, 3, 3, 10, 0, tzinfo=UTC), tick=False):
        assert paged(services.page_now(incident, by=commander, rotation=rotation, reason="again")) == ["ben"]
        RotationOverride.objects.create(
            rotation=rotation,
            user=people["cy"],
            starts_at=timezone.now() - timedelta(hours=1),
            ends_at=timezone.now() + timedelta(hours=1),
        )
        assert paged(services.page_now(incident, by=commander, rotation=rotation, reason="override")) == ["cy"]


def test_page_a_tier_pages_each_of_its_targets(incident, commander, senior_tier):
    entry = services.page_now(incident, by=commander, tier=senior_tier, reason="P3 but spreading")
    assert paged(entry) == ["cy", "dee", "json://hooks.example.com/warroom"]
    assert entry.text.startswith("Paged tier Senior Engineer (Cy, Dee, ")
    assert entry.data["tier"] == "Senior Engineer"


@pytest.mark.parametrize(
    ("target", "field", "message"),
    [
        ({}, "target", "Choose one person, rotation or escalation tier"),
        ("two", "target", "Choose one person, rotation or escalation tier"),
        ("empty_rotation", "rotation", "Nobody is on call in Empty now"),
        ("empty_tier", "tier", "has nobody to page"),
        ("inactive", "user", "is not an active user"),
        ("no_reason", "reason", "Say why you are paging"),
    ],
)
def test_page_refusals_name_the_field_and_send_nothing(
    incident, commander, people, rotation, severities, target, field, message
):
    kwargs: dict = {"reason": "help"}
    if target == "two":
        kwargs |= {"user": people["ana"], "rotation": rotation}
    elif target == "empty_rotation":
        kwargs["rotation"] = Rotation.objects.create(name="Empty")
    elif target == "empty_tier":
        kwargs["tier"] = EscalationStep.objects.get(policy__severity=severities["P1"], tier="Engineering Manager")
    elif target == "inactive":
        people["ana"].is_active = False
        people["ana"].save()
        kwargs["user"] = people["ana"]
    elif target == "no_reason":
        kwargs |= {"user": people["ana"], "reason": "   "}
    with pytest.raises(ValidationError) as refused:
        services.page_now(incident, by=commander, **kwargs)
    assert message in refused.value.message_dict[field][0]
    assert not incident.timeline.filter(kind=TimelineKind.PAGE).exists()
    assert not Notification.objects.filter(dedupe_key__startswith="page:").exists()


def test_a_resolved_incident_pages_nobody(commander, severities, people):
    incident = resolved_incident(by=commander, level="P3")
    with pytest.raises(ValidationError, match="nobody is paged"):
        services.page_now(incident, by=commander, user=people["ana"], reason="late")


# The cockpit


def page_now_url(incident: Incident) -> str:
    return reverse("admin:paging_page_now", args=[incident.pk])


def test_cockpit_page_now_panel_and_post(commander_client, incident, rotation, senior_tier, people):
    page = commander_client.get(reverse("admin:incidents_incident_change", args=[incident.pk])).content.decode()
    assert 'id="wr-page-now"' in page
    assert 'name="target"' in page
    assert f'value="user:{people["ana"].pk}"' in page
    assert f'value="rotation:{rotation.pk}"' in page
    assert f'value="tier:{senior_tier.pk}"' in page
    response = commander_client.post(
        page_now_url(incident), {"target": f"tier:{senior_tier.pk}", "reason": "need seniors"}, follow=True
    )
    assert response.status_code == 200
    assert "Paged tier Senior Engineer" in response.content.decode()
    entry = incident.timeline.get(kind=TimelineKind.PAGE)
    assert paged(entry) == ["cy", "dee", "json://hooks.example.com/warroom"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"target": "user:99999999", "reason": "x"}, "That user no longer exists."),
        ({"target": "robot:1", "reason": "x"}, "Choose a person, a rotation or an escalation tier."),
        ({"target": "user:1"}, "This field is required."),
    ],
)
def test_cockpit_page_now_bad_input_is_a_message(commander_client, incident, data, message):
    response = commander_client.post(page_now_url(incident), data, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not incident.timeline.filter(kind=TimelineKind.PAGE).exists()


def test_viewer_cannot_page(viewer_client, incident, people):
    page = viewer_client.get(reverse("admin:incidents_incident_change", args=[incident.pk])).content.decode()
    assert 'id="wr-page-now"' not in page
    response = viewer_client.post(page_now_url(incident), {"target": f"user:{people['ana'].pk}", "reason": "x"})
    assert response.status_code == 403
    assert not Notification.objects.exists()


# The API


def api_url(incident: Incident) -> str:
    return f"/api/incidents/{incident.reference}/page/"


def test_api_page_now_each_target_kind(incident, responder, people, rotation, senior_tier):
    client = api_for(responder)  # responders may call for help
    with time_machine.travel(datetime(2026, 3, 3, 10, 0, tzinfo=UTC), tick=False):
        on_call = client.post(api_url(incident), {"rotation": rotation.pk, "reason": "lag"}, format="json")
    assert on_call.status_code == 201, on_call.content
    body = on_call.json()
    assert body["timeline_entry"]["kind"] == "page"
    assert body["timeline_entry"]["author"] == responder.username
    assert [n["target"] for n in body["notifications"]] == ["ben"]
    person = client.post(api_url(incident), {"user": "ana", "reason": "know-how"}, format="json")
    assert [n["target"] for n in person.json()["notifications"]] == ["ana"]
    tier = client.post(api_url(incident), {"tier": senior_tier.pk, "reason": "escalate"}, format="json").json()
    # The webhook's path is a secret: shown redacted, as everywhere else outside the policy page.
    assert [n["target"] for n in tier["notifications"]] == ["cy", "dee", "json://hooks.example.com/…"]
    assert incident.timeline.filter(kind=TimelineKind.PAGE).count() == 3


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"reason": "x"}, "target"),
        ({"user": "ana", "rotation": "the rotation", "reason": "x"}, "target"),
        ({"user": "ana", "reason": ""}, "reason"),
        ({"user": "nobody-here", "reason": "x"}, "user"),
        ({"rotation": 99999999, "reason": "x"}, "rotation"),
        ({"tier": "abc", "reason": "x"}, "tier"),
        ({"user": "ana"}, "reason"),
    ],
)
def test_api_page_now_bad_input_is_400_naming_the_field(commander_api, incident, people, rotation, payload, field):
    if payload.get("rotation") == "the rotation":
        payload = {**payload, "rotation": rotation.pk}
    response = commander_api.post(api_url(incident), payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Notification.objects.exists()


def test_api_page_now_permissions(incident, viewer, django_user_model, people):
    payload = {"user": "ana", "reason": "x"}
    from rest_framework.test import APIClient

    assert APIClient().post(api_url(incident), payload, format="json").status_code in (401, 403)
    assert api_for(viewer).post(api_url(incident), payload, format="json").status_code == 403
    nobody = api_for(make_user(django_user_model, "nobody"))
    assert nobody.post(api_url(incident), payload, format="json").status_code == 403
    assert api_for(viewer).post("/api/incidents/INC-2020-01-01-001/page/", payload).status_code == 403
    assert not Notification.objects.exists()


def test_schema_documents_roles_and_page_now(commander_api):
    schema = commander_api.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert set(paths["/api/incidents/{reference}/roles/"]) >= {"get", "put", "patch"}
    assert "post" in paths["/api/incidents/{reference}/handover/"]
    assert "post" in paths["/api/incidents/{reference}/responders/"]
    assert "delete" in paths["/api/incidents/{reference}/responders/{username}/"]
    page = paths["/api/incidents/{reference}/page/"]["post"]
    assert "201" in page["responses"]
    request = page["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][request]["properties"]) == {"user", "rotation", "tier", "reason"}


def test_cockpit_queries_do_not_grow_with_people_rotations_and_responders(
    commander_client, commander, incident, django_user_model, django_assert_max_num_queries
):
    from incidents import services as incident_services

    url = reverse("admin:incidents_incident_change", args=[incident.pk])

    def grow(n: int) -> None:
        user = make_user(django_user_model, f"extra{n}", roles.RESPONDER)
        incident_services.incident_add_responder(incident, by=commander, user=user, page=False)
        rotation = Rotation.objects.create(name=f"Rotation {n}")
        RotationMember.objects.create(rotation=rotation, user=user)
        RotationOverride.objects.create(
            rotation=rotation,
            user=commander,
            starts_at=timezone.now() + timedelta(days=1),
            ends_at=timezone.now() + timedelta(days=2),
        )

    grow(0)
    with django_assert_max_num_queries(80) as few:
        assert commander_client.get(url).status_code == 200
    for n in range(1, 12):
        grow(n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = commander_client.get(url).content.decode()
    assert page.count('value="rotation:') == Rotation.objects.count()
    assert "Extra11" in page


def test_the_same_page_twice_within_a_minute_pages_once(incident, commander, people):
    """A double click on "Page now" (or a retried API request) sends one page and logs it once."""
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=UTC), tick=False):
        first = services.page_now(incident, by=commander, user=people["ana"], reason="replica lag growing")
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, 1, tzinfo=UTC), tick=False):
        again = services.page_now(incident, by=commander, user=people["ana"], reason="replica lag  growing")
        other_reason = services.page_now(incident, by=commander, user=people["ana"], reason="now the primary too")
    with time_machine.travel(datetime(2026, 3, 2, 10, 1, 5, tzinfo=UTC), tick=False):
        a_minute_later = services.page_now(incident, by=commander, user=people["ana"], reason="replica lag growing")
    assert again == first
    assert len({first.pk, other_reason.pk, a_minute_later.pk}) == 3
    assert incident.timeline.filter(kind=TimelineKind.PAGE).count() == 3
    assert Notification.objects.filter(user=people["ana"], dedupe_key__startswith="page:").count() == 3


def test_a_double_submitted_page_now_form_pages_once(commander_client, incident, people):
    url = reverse("admin:paging_page_now", args=[incident.pk])
    for _ in range(2):
        commander_client.post(url, {"target": f"user:{people['ana'].pk}", "reason": "need eyes"}, follow=True)
    assert incident.timeline.filter(kind=TimelineKind.PAGE).count() == 1
    assert Notification.objects.filter(user=people["ana"]).count() == 1
