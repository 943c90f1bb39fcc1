"""Incident roles: the services (timeline, hooks answered by paging through the outbox), the cockpit's
roles panel and the roles API with its permissions and refusals."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from incidents import roles, services
from incidents.models import Incident, IncidentStatus, TimelineKind
from incidents.outbox.models import Notification
from tests.conftest import api_for, make_user
from tests.factories import IncidentFactory, resolved_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def alex(django_user_model):
    return make_user(django_user_model, "alex", roles.COMMANDER, email="alex@example.com")


@pytest.fixture
def sam(django_user_model):
    return make_user(django_user_model, "sam", roles.RESPONDER, email="sam@example.com")


@pytest.fixture
def incident(commander, severities):
    commander.email = "casey@example.com"
    commander.save()
    return IncidentFactory.create(by=commander, level="P1", commander=commander)


def notified(dedupe_prefix: str) -> list[str]:
    """Usernames of the users the outbox holds a row for, for keys starting with the prefix."""
    rows = Notification.objects.filter(dedupe_key__startswith=dedupe_prefix).select_related("user")
    return sorted(row.user.username for row in rows if row.user is not None)


def role_entries(incident: Incident) -> list[str]:
    return list(incident.timeline.filter(kind=TimelineKind.ROLE).order_by("id").values_list("text", flat=True))


# Services


def test_hand_over_logs_and_notifies_both_commanders(incident, commander, alex):
    entry = services.incident_hand_over_command(incident, by=commander, to=alex, note="going off shift")
    incident.refresh_from_db()
    assert incident.commander == alex
    assert entry.text == "Command handed over from Casey to Alex: going off shift"
    assert entry.author == commander
    assert entry.data["previous"] == commander.pk
    assert entry.data["user"] == alex.pk
    assert notified(f"handover:{entry.pk}") == ["alex", "casey"]
    row = Notification.objects.get(dedupe_key=f"handover:{entry.pk}", user=alex)
    assert "command handed over from Casey to Alex" in row.subject
    assert "Incident Commander: alex" in row.body  # the message is written after the change
    assert row.about == incident


def test_taking_command_of_an_incident_without_one_notifies_the_new_commander_only(severities, alex):
    incident = IncidentFactory.create(by=None, level="P2")  # declared by monitoring: no commander
    assert incident.commander is None
    entry = services.incident_hand_over_command(incident, by=alex, to=alex)
    assert entry.text == "Alex took command"
    assert notified(f"handover:{entry.pk}") == ["alex"]


def test_hand_over_refusals_change_nothing(incident, commander, alex):
    with pytest.raises(ValidationError) as refused:
        services.incident_hand_over_command(incident, by=commander, to=commander)
    assert refused.value.message_dict == {"to": ["Casey already has command."]}
    alex.is_active = False
    alex.save()
    with pytest.raises(ValidationError) as refused:
        services.incident_hand_over_command(incident, by=commander, to=alex)
    assert "not an active user" in refused.value.message_dict["to"][0]
    incident.refresh_from_db()
    assert incident.commander == commander
    assert role_entries(incident) == []
    assert not Notification.objects.filter(dedupe_key__startswith="handover:").exists()


def test_assign_and_unassign_roles_are_logged_and_the_holder_told(incident, commander, alex, sam):
    first = services.incident_assign_role(incident, by=commander, role="communications_lead", user=alex)
    services.incident_assign_role(incident, by=commander, role="scribe", user=sam)
    services.incident_assign_role(incident, by=commander, role="scribe", user=alex)
    services.incident_assign_role(incident, by=commander, role="communications_lead", user=None)
    incident.refresh_from_db()
    assert (incident.communications_lead, incident.scribe) == (None, alex)
    assert role_entries(incident) == [
        "Alex is now the communications lead",
        "Sam is now the scribe",
        "Alex is now the scribe (was Sam)",
        "Alex is no longer the communications lead",
    ]
    assert notified(f"role:{first.pk}") == ["alex"]
    assert "you are now the communications lead" in Notification.objects.get(dedupe_key=f"role:{first.pk}").subject
    assert len(notified("role:")) == 3  # three assignments, no notice for the unassignment


@pytest.mark.parametrize(
    ("role", "user_name", "field", "message"),
    [
        ("scribe", None, "scribe", "Nobody is the scribe."),
        ("commander", None, "commander", "An incident keeps a commander"),
        ("janitor", "alex", "role", "Unknown role 'janitor'"),
    ],
)
def test_assign_refusals_name_the_field(incident, commander, alex, role, user_name, field, message):
    user = alex if user_name else None
    with pytest.raises(ValidationError) as refused:
        services.incident_assign_role(incident, by=commander, role=role, user=user)
    assert refused.value.message_dict[field][0].startswith(message)
    assert role_entries(incident) == []


def test_adding_a_responder_pages_them_unless_told_not_to(incident, commander, alex, sam):
    paged = services.incident_add_responder(incident, by=commander, user=sam, page=True)
    quiet = services.incident_add_responder(incident, by=commander, user=alex, page=False)
    assert set(incident.responders.all()) == {sam, alex}
    assert paged.text == "Added Sam as a responder, paging them"
    assert quiet.text == "Added Alex as a responder"
    assert notified(f"responder:{paged.pk}") == ["sam"]
    assert "Casey added you as a responder" in Notification.objects.get(dedupe_key=f"responder:{paged.pk}").subject
    assert notified(f"responder:{quiet.pk}") == []
    with pytest.raises(ValidationError) as refused:
        services.incident_add_responder(incident, by=commander, user=sam)
    assert refused.value.message_dict == {"user": ["Sam is already a responder."]}
    removed = services.incident_remove_responder(incident, by=commander, user=sam)
    assert removed.text == "Removed Sam from the responders"
    assert list(incident.responders.all()) == [alex]
    with pytest.raises(ValidationError) as refused:
        services.incident_remove_responder(incident, by=commander, user=sam)
    assert refused.value.message_dict == {"user": ["Sam is not a responder."]}


def test_a_resolved_incident_takes_responders_without_paging_and_a_closed_one_none(commander, severities, sam):
    incident = resolved_incident(by=commander, level="P3")
    with pytest.raises(ValidationError) as refused:
        services.incident_add_responder(incident, by=commander, user=sam, page=True)
    assert "add them without paging" in refused.value.message_dict["page"][0]
    services.incident_add_responder(incident, by=commander, user=sam, page=False)
    services.incident_close(incident, by=commander)
    with pytest.raises(ValidationError, match="is closed"):
        services.incident_remove_responder(incident, by=commander, user=sam)


def test_set_roles_changes_only_what_differs_in_one_transaction(incident, commander, alex, sam, django_user_model):
    services.incident_add_responder(incident, by=commander, user=alex, page=False)
    services.incident_set_roles(
        incident,
        by=commander,
        roles={"commander": alex, "communications_lead": sam, "scribe": None},
        responders=[sam],
        page_new_responders=False,
        note="shift change",
    )
    incident.refresh_from_db()
    assert (incident.commander, incident.communications_lead, incident.scribe) == (alex, sam, None)
    assert list(incident.responders.all()) == [sam]
    assert role_entries(incident)[1:] == [
        "Command handed over from Casey to Alex: shift change",
        "Sam is now the communications lead",
        "Added Sam as a responder",
        "Removed Alex from the responders",
    ]
    assert notified("handover:") == ["alex", "casey"]
    assert notified("responder:") == []
    # A refusal late in the list (an inactive responder) leaves the earlier changes unwritten too.
    ghost = make_user(django_user_model, "ghost", is_active=False)
    before = (incident.timeline.count(), Notification.objects.count())
    with pytest.raises(ValidationError) as refused:
        services.incident_set_roles(incident, by=alex, roles={"scribe": sam}, responders=[sam, ghost])
    assert "not an active user" in refused.value.message_dict["responders"][0]
    incident.refresh_from_db()
    assert incident.scribe is None
    assert (incident.timeline.count(), Notification.objects.count()) == before


# The cockpit


def cockpit(incident: Incident, action: str) -> str:
    return reverse("admin:incidents_incident_cockpit", args=[incident.pk, action])


def test_cockpit_shows_the_roles_panel_with_its_forms(commander_client, incident, alex):
    page = commander_client.get(reverse("admin:incidents_incident_change", args=[incident.pk])).content.decode()
    assert 'id="wr-roles"' in page
    assert 'id="wr-handover"' in page
    assert 'id="wr-responder-add"' in page
    assert 'name="page" value="on" checked' in page
    assert 'data-role="commander">Casey<' in page


def test_cockpit_roles_actions(commander_client, incident, commander, alex, sam):
    commander_client.post(cockpit(incident, "handover"), {"to": alex.pk, "note": "over to you"})
    commander_client.post(cockpit(incident, "roles"), {"communications_lead": sam.pk, "scribe": ""})
    commander_client.post(cockpit(incident, "responder-add"), {"user": sam.pk, "page": "on"})
    commander_client.post(cockpit(incident, "responder-add"), {"user": commander.pk})  # the tick left off
    response = commander_client.post(cockpit(incident, "responder-remove"), {"user": commander.pk}, follow=True)
    assert "removed Casey from the responders" in response.content.decode()
    incident.refresh_from_db()
    assert (incident.commander, incident.communications_lead) == (alex, sam)
    assert list(incident.responders.all()) == [sam]
    assert notified("handover:") == ["alex", "casey"]
    assert notified("responder:") == ["sam"]
    assert len(role_entries(incident)) == 5


def test_cockpit_roles_refusals_are_messages(commander_client, incident, commander):
    response = commander_client.post(cockpit(incident, "handover"), {"to": commander.pk}, follow=True)
    assert response.status_code == 200
    assert "Casey already has command." in response.content.decode()
    response = commander_client.post(cockpit(incident, "responder-add"), {"user": "999999"}, follow=True)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert role_entries(incident) == []


def test_responders_may_add_responders_but_not_hand_over(client, incident, responder, alex):
    client.force_login(responder)
    assert client.post(cockpit(incident, "handover"), {"to": alex.pk}).status_code == 403
    assert client.post(cockpit(incident, "roles"), {"scribe": alex.pk}).status_code == 403
    assert client.post(cockpit(incident, "responder-add"), {"user": alex.pk}).status_code == 302
    page = client.get(reverse("admin:incidents_incident_change", args=[incident.pk])).content.decode()
    assert 'id="wr-responder-add"' in page
    assert 'id="wr-handover"' not in page
    incident.refresh_from_db()
    assert list(incident.responders.all()) == [alex]
    assert incident.commander != alex


def test_viewer_sees_roles_without_forms(viewer_client, incident, alex):
    page = viewer_client.get(reverse("admin:incidents_incident_change", args=[incident.pk])).content.decode()
    assert 'id="wr-roles"' in page
    assert 'id="wr-responder-add"' not in page
    assert viewer_client.post(cockpit(incident, "responder-add"), {"user": alex.pk}).status_code == 403


def test_the_change_form_no_longer_changes_the_commander(commander_client, incident, commander, alex):
    """Roles change in the roles panel, where a hand-over is logged and notified."""
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    data = {"title": incident.title, "summary": "", "commander": alex.pk, "public_impact_override": ""}
    data |= {"external_ticket": "", "chat_channel": incident.chat_channel, "users_affected_pct": ""}
    assert commander_client.post(url, data).status_code == 302
    incident.refresh_from_db()
    assert incident.commander == commander
    with pytest.raises(ValidationError, match="cannot be edited here: commander"):
        services.incident_update_details(incident, by=commander, commander=alex)


# The API


def roles_url(incident: Incident, tail: str = "roles/") -> str:
    return f"/api/incidents/{incident.reference}/{tail}"


def test_api_reads_and_puts_roles(commander_api, incident, commander, alex, sam):
    assert commander_api.get(roles_url(incident)).json() == {
        "commander": "casey",
        "communications_lead": None,
        "scribe": None,
        "responders": [],
    }
    body = {"commander": "alex", "communications_lead": "sam", "scribe": None, "responders": ["sam", "casey"]}
    response = commander_api.put(roles_url(incident), {**body, "page_new_responders": False}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {**body, "responders": ["casey", "sam"]}
    assert notified("handover:") == ["alex", "casey"]
    assert notified("responder:") == []
    response = commander_api.patch(roles_url(incident), {"scribe": "casey"}, format="json")
    assert response.json()["scribe"] == "casey"
    assert response.json()["commander"] == "alex"


@pytest.mark.parametrize(
    ("method", "payload", "field"),
    [
        ("put", {"commander": "casey"}, "communications_lead"),
        ("patch", {"scribe": "nobody-here"}, "scribe"),
        ("patch", {"responders": ["alex", "nobody-here"]}, "responders"),
        ("patch", {"responders": "alex"}, "responders"),
        ("patch", {"commander": None}, "commander"),
        ("patch", {"commander": "casey", "scribe": "alex", "communications_lead": "alex"}, None),
    ],
)
def test_api_roles_bad_input_is_400_naming_the_field(commander_api, incident, alex, method, payload, field):
    response = getattr(commander_api, method)(roles_url(incident), payload, format="json")
    if field is None:  # nothing wrong: unchanged commander, two roles for one person
        assert response.status_code == 200
        return
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert role_entries(incident) == []


def test_api_hand_over_and_responders(commander_api, incident, alex, sam):
    response = commander_api.post(roles_url(incident, "handover/"), {"to": "alex", "note": "bed"}, format="json")
    assert response.status_code == 200
    assert response.json()["commander"] == "alex"
    assert notified("handover:") == ["alex", "casey"]
    response = commander_api.post(roles_url(incident, "handover/"), {"to": "alex"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"to": ["Alex already has command."]}
    assert commander_api.post(roles_url(incident, "handover/"), {}, format="json").json().keys() == {"to"}

    response = commander_api.post(roles_url(incident, "responders/"), {"user": "sam"}, format="json")
    assert response.status_code == 201
    assert response.json()["responders"] == ["sam"]
    assert notified("responder:") == ["sam"]
    response = commander_api.post(roles_url(incident, "responders/"), {"user": "alex", "page": False}, format="json")
    assert response.status_code == 201
    assert notified("responder:") == ["sam"]
    assert commander_api.post(roles_url(incident, "responders/"), {"user": "sam"}, format="json").json() == {
        "user": ["Sam is already a responder."]
    }
    assert commander_api.delete(roles_url(incident, "responders/sam/")).status_code == 204
    assert commander_api.delete(roles_url(incident, "responders/sam/")).status_code == 400
    assert commander_api.delete(roles_url(incident, "responders/nobody-here/")).status_code == 404
    assert commander_api.get(roles_url(incident)).json()["responders"] == ["alex"]


def test_api_roles_permissions(incident, responder, viewer, django_user_model, alex):
    nobody = api_for(make_user(django_user_model, "nobody"))
    assert nobody.get(roles_url(incident)).status_code == 403
    assert api_for(viewer).get(roles_url(incident)).status_code == 200
    assert api_for(viewer).post(roles_url(incident, "responders/"), {"user": "alex"}).status_code == 403
    as_responder = api_for(responder)
    assert as_responder.put(roles_url(incident), {"scribe": "alex"}, format="json").status_code == 403
    assert as_responder.patch(roles_url(incident), {"scribe": "alex"}, format="json").status_code == 403
    assert as_responder.post(roles_url(incident, "handover/"), {"to": "alex"}, format="json").status_code == 403
    assert as_responder.post(roles_url(incident, "responders/"), {"user": "alex"}, format="json").status_code == 201
    assert as_responder.delete(roles_url(incident, "responders/alex/")).status_code == 204
    assert api_for(viewer).get("/api/incidents/INC-2020-01-01-001/roles/").status_code == 404
    incident.refresh_from_db()
    assert incident.commander is not None
    assert incident.commander.username == "casey"


def test_api_roles_query_count_does_not_grow(
    commander_api, incident, commander, django_user_model, django_assert_max_num_queries
):
    services.incident_add_responder(incident, by=commander, user=make_user(django_user_model, "r0"), page=False)
    with django_assert_max_num_queries(20) as few:
        assert len(commander_api.get(roles_url(incident)).json()["responders"]) == 1
    for n in range(1, 25):
        services.incident_add_responder(incident, by=commander, user=make_user(django_user_model, f"r{n}"), page=False)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(commander_api.get(roles_url(incident)).json()["responders"]) == 25


def test_status_of_the_incident_is_unchanged_by_roles(commander_api, incident):
    commander_api.patch(roles_url(incident), {"scribe": "casey"}, format="json")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.INVESTIGATING
