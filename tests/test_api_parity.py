"""API parity: everything the commander's cockpit does is an endpoint under /api/.

`ACTIONS` is one table: per cockpit action, the admin form (or page) that does it, its API method and
path as the OpenAPI schema names them, and a callable that does it through the API and checks the effect
in the database. To add one (e.g. a new cockpit panel's form), write a function `(scene, call)` and a
`CockpitAction` row: `call` sends the row's own method to the row's own path, so a row cannot check one
endpoint while naming another. The tests below then check that every row works, that every path is in
the schema, and that every form the cockpit renders has a row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import resolve
from rest_framework.response import Response
from rest_framework.test import APIClient

from incidents import services
from incidents.library.models import CommunicationTemplate, Playbook
from incidents.models import Incident, IncidentStatus, TimelineKind
from incidents.outbox import services as outbox
from incidents.outbox.models import Notification, NotificationStatus
from incidents.paging.models import EscalationPolicy, Rotation, RotationMember
from incidents.statuspage import services as statuspage
from incidents.statuspage.models import StatusUpdate
from tests.conftest import api_for
from tests.factories import ComponentFactory, IncidentFactory

pytestmark = pytest.mark.django_db


@dataclass
class Scene:
    """What an action starts from: the acting commander, their API client and a way to declare."""

    commander: User
    api: APIClient

    def declare(self, level: str = "P3", **fields: Any) -> Incident:
        return IncidentFactory.create(by=self.commander, level=level, **fields)


Call = Callable[..., Response]


@dataclass(frozen=True)
class CockpitAction:
    name: str
    # The admin form that does it: "<url name>:<action>" of a cockpit form post (as `cockpit_forms` reads
    # them from the rendered cockpit), or the admin page for what is not a form of the cockpit itself.
    admin: str
    method: str
    path: str  # as in the OpenAPI schema, e.g. /api/incidents/{reference}/acknowledge/
    exercise: Callable[[Scene, Call], None]
    extra_admin: tuple[str, ...] = field(default=())  # other admin forms the same endpoint stands for


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json() if response.content else None


# What each action does through the API, and the change it must leave in the database.


def declare(scene: Scene, call: Call) -> None:
    body = ok(call(data={"title": "Checkout down", "severity": "P1", "public": True}), 201)
    incident = Incident.objects.get(reference=body["reference"])
    assert (incident.title, incident.severity.level, incident.commander) == ("Checkout down", "P1", scene.commander)


def acknowledge(scene: Scene, call: Call) -> None:
    incident = scene.declare()
    ok(call(reference=incident.reference))
    incident.refresh_from_db()
    assert incident.acknowledged_at is not None
    assert incident.acknowledged_by == scene.commander


def move_to(status: str) -> Callable[[Scene, Call], None]:
    def move(scene: Scene, call: Call) -> None:
        incident = scene.declare()
        if status == IncidentStatus.INVESTIGATING:  # reopening: from resolved
            services.incident_resolve(incident, by=scene.commander)
        ok(call(reference=incident.reference, data={"status": status, "note": "as seen"}))
        incident.refresh_from_db()
        assert incident.status == status
        assert incident.timeline.filter(kind=TimelineKind.STATUS, author=scene.commander).exists()

    move.__name__ = f"move_to_{status}"
    return move


def resolve_incident(scene: Scene, call: Call) -> None:
    incident = scene.declare()
    ok(call(reference=incident.reference, data={"note": "fixed"}))
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.resolved_at is not None


def close(scene: Scene, call: Call) -> None:
    incident = scene.declare(level="P4")
    services.incident_resolve(incident, by=scene.commander)
    ok(call(reference=incident.reference, data={"status": IncidentStatus.CLOSED}))
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED
    assert incident.closed_at is not None


def change_severity(scene: Scene, call: Call) -> None:
    incident = scene.declare(level="P3")
    ok(call(reference=incident.reference, data={"severity": "P1", "note": "worse than thought"}))
    incident.refresh_from_db()
    assert incident.severity.level == "P1"
    assert incident.timeline.filter(kind=TimelineKind.SEVERITY).exists()


def add_note(scene: Scene, call: Call) -> None:
    incident = scene.declare()
    ok(call(reference=incident.reference, data={"text": "Rolled back the deploy."}), 201)
    assert incident.timeline.filter(kind=TimelineKind.NOTE, text="Rolled back the deploy.").exists()


def tick(scene: Scene, call: Call) -> None:
    incident = scene.declare()
    item = incident.checklist.filter(done_at__isnull=True).order_by("position")[0]
    ok(call(reference=incident.reference, id=item.pk))
    item.refresh_from_db()
    assert (item.done_by, item.done_at is not None) == (scene.commander, True)


def publish_status_update(scene: Scene, call: Call) -> None:
    component = ComponentFactory.create(name="Checkout")
    incident = scene.declare(public=True, components=[component])
    data = {
        "status": "identified",
        "body": "We found the cause.",
        "components": [{"component": component.pk, "status": "partial_outage"}],
    }
    ok(call(reference=incident.reference, data=data), 201)
    update = StatusUpdate.objects.get(incident=incident)
    assert (update.status, update.published, update.body) == ("identified", True, "We found the cause.")
    component.refresh_from_db()
    assert component.status == "partial_outage"


def withdraw_status_update(scene: Scene, call: Call) -> None:
    incident = scene.declare(public=True)
    update = statuspage.status_update_publish(incident, status="investigating", body="Looking.", by=scene.commander)
    ok(call(reference=incident.reference, id=update.public_id))
    update.refresh_from_db()
    assert update.published is False


def preview_communication(scene: Scene, call: Call) -> None:
    incident = scene.declare(title="Search slow")
    customer = CommunicationTemplate.objects.get(name="Customer notification")
    body = ok(call(reference=incident.reference, query={"template": customer.pk}))
    assert body["subject"] == "Service Disruption - Search slow"


def send_communication(scene: Scene, call: Call) -> None:
    incident = scene.declare(title="Search slow")
    internal = CommunicationTemplate.objects.get(name="Internal notification")
    ok(call(reference=incident.reference, data={"template": internal.pk, "recipients": ["ops@example.com"]}), 201)
    sent = Notification.objects.get(about_id=incident.pk, target="email:ops@example.com")
    assert sent.subject.endswith("Search slow")
    assert incident.timeline.filter(kind=TimelineKind.COMMUNICATION).exists()


def suggested_playbooks(scene: Scene, call: Call) -> None:
    incident = scene.declare(title="Redis cache timeouts")
    body = ok(call(reference=incident.reference))
    assert body[0]["playbook"]["title"] == "Redis connection issues"
    assert "redis" in body[0]["matched_keywords"]


def apply_playbook(scene: Scene, call: Call) -> None:
    incident = scene.declare(title="Redis cache timeouts")
    playbook = Playbook.objects.get(title="Redis connection issues")
    first_step = playbook.resolution.splitlines()[0].strip()
    ok(call(reference=incident.reference, data={"playbook": playbook.pk}), 201)
    assert incident.checklist.filter(label=first_step, done_at__isnull=True).exists()


def list_notifications(scene: Scene, call: Call) -> None:
    incident = scene.declare()
    outbox.enqueue(target="email:ops@example.com", subject="Heads up", body="b", about=incident)
    body = ok(call(reference=incident.reference))
    assert [row["target"] for row in body["results"]] == ["ops@example.com"]


def retry_notification(scene: Scene, call: Call) -> None:
    incident = scene.declare()
    failed = outbox.enqueue(target="email:ops@example.com", subject="Heads up", body="b", about=incident)
    Notification.objects.filter(pk=failed.pk).update(status=NotificationStatus.FAILED, attempts=5)
    ok(call(reference=incident.reference, id=failed.pk))
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (NotificationStatus.PENDING, 0)


def who_is_on_call(scene: Scene, call: Call) -> None:
    rotation = Rotation.objects.create(name="Primary", shift_length=timedelta(days=1))
    RotationMember.objects.create(rotation=rotation, user=scene.commander, position=0)
    body = ok(call(id=rotation.pk, query={"at": "2026-03-17T11:00:00Z"}))
    assert body["shift"]["user"] == scene.commander.username


def see_checklist(scene: Scene, call: Call) -> None:
    incident = scene.declare()
    body = ok(call(reference=incident.reference))
    assert [row["label"] for row in body["results"]] == list(
        incident.checklist.order_by("position").values_list("label", flat=True)
    )


def see_timeline(scene: Scene, call: Call) -> None:
    incident = scene.declare()
    services.incident_add_note(incident, by=scene.commander, text="First look.")
    body = ok(call(reference=incident.reference))
    assert body["results"][0]["text"] == "First look."


def list_templates(scene: Scene, call: Call) -> None:
    body = ok(call())
    assert {row["name"] for row in body["results"]} == set(CommunicationTemplate.objects.values_list("name", flat=True))


def list_playbooks(scene: Scene, call: Call) -> None:
    body = ok(call())
    assert body["count"] == Playbook.objects.count() > 0


def list_escalation_policies(scene: Scene, call: Call) -> None:
    body = ok(call())
    assert {row["severity"] for row in body["results"]} == set(
        EscalationPolicy.objects.values_list("severity__level", flat=True)
    )


def on_call_everywhere(scene: Scene, call: Call) -> None:
    rotation = Rotation.objects.create(name="Primary", shift_length=timedelta(days=1))
    RotationMember.objects.create(rotation=rotation, user=scene.commander, position=0)
    rows = ok(call())["results"]
    primary = next(row for row in rows if row["rotation_name"] == "Primary")
    assert primary["shift"]["user"] == scene.commander.username


def colleague(username: str = "alex") -> User:
    return User.objects.create_user(username, email=f"{username}@example.com", is_staff=True)


def hand_over(scene: Scene, call: Call) -> None:
    incident, alex = scene.declare(), colleague()
    ok(call(reference=incident.reference, data={"to": "alex", "note": "going off shift"}))
    incident.refresh_from_db()
    assert incident.commander == alex
    assert incident.timeline.filter(kind=TimelineKind.ROLE, text__startswith="Command handed over").exists()


def set_roles(scene: Scene, call: Call) -> None:
    incident, alex = scene.declare(), colleague()
    ok(call(reference=incident.reference, data={"communications_lead": "alex", "scribe": scene.commander.username}))
    incident.refresh_from_db()
    assert (incident.communications_lead, incident.scribe) == (alex, scene.commander)


def add_responder(scene: Scene, call: Call) -> None:
    incident, alex = scene.declare(), colleague()
    ok(call(reference=incident.reference, data={"user": "alex", "page": True}), 201)
    assert list(incident.responders.all()) == [alex]
    assert Notification.objects.filter(user=alex).exists()  # paged


def remove_responder(scene: Scene, call: Call) -> None:
    incident, alex = scene.declare(), colleague()
    services.incident_add_responder(incident, by=scene.commander, user=alex, page=False)
    response = call(reference=incident.reference, username="alex")
    assert response.status_code == 204, response.content
    assert not incident.responders.exists()


def page_now(scene: Scene, call: Call) -> None:
    incident, alex = scene.declare(), colleague()
    ok(call(reference=incident.reference, data={"user": "alex", "reason": "the database expert"}), 201)
    assert Notification.objects.filter(user=alex).exists()
    assert incident.timeline.filter(kind=TimelineKind.PAGE).exists()


COCKPIT = "incidents_incident_cockpit"
STATUS_PAGE = "statuspage_statusupdate_cockpit"
INCIDENT = "/api/incidents/{reference}/"

ACTIONS: list[CockpitAction] = [
    CockpitAction("declare", "admin:incidents_incident_add", "post", "/api/incidents/", declare),
    CockpitAction("hand over command", f"{COCKPIT}:handover", "post", INCIDENT + "handover/", hand_over),
    CockpitAction("set roles", f"{COCKPIT}:roles", "patch", INCIDENT + "roles/", set_roles),
    CockpitAction("add a responder", f"{COCKPIT}:responder-add", "post", INCIDENT + "responders/", add_responder),
    CockpitAction(
        "remove a responder",
        f"{COCKPIT}:responder-remove",
        "delete",
        INCIDENT + "responders/{username}/",
        remove_responder,
    ),
    CockpitAction("page now", "paging_page_now:", "post", INCIDENT + "page/", page_now),
    CockpitAction("acknowledge", f"{COCKPIT}:acknowledge", "post", INCIDENT + "acknowledge/", acknowledge),
    CockpitAction("move to identified", f"{COCKPIT}:move-identified", "patch", INCIDENT, move_to("identified")),
    CockpitAction("move to monitoring", f"{COCKPIT}:move-monitoring", "patch", INCIDENT, move_to("monitoring")),
    CockpitAction("reopen", f"{COCKPIT}:move-investigating", "patch", INCIDENT, move_to("investigating")),
    CockpitAction("resolve", f"{COCKPIT}:move-resolved", "post", INCIDENT + "resolve/", resolve_incident),
    CockpitAction("close", f"{COCKPIT}:move-closed", "patch", INCIDENT, close),
    CockpitAction("change severity", f"{COCKPIT}:severity", "patch", INCIDENT, change_severity),
    CockpitAction("add note", f"{COCKPIT}:note", "post", INCIDENT + "notes/", add_note),
    CockpitAction("tick checklist item", f"{COCKPIT}:tick", "post", INCIDENT + "checklist/{id}/tick/", tick),
    CockpitAction(
        "publish status update", f"{STATUS_PAGE}:publish", "post", INCIDENT + "status-updates/", publish_status_update
    ),
    CockpitAction(
        "withdraw status update",
        f"{STATUS_PAGE}:withdraw",
        "post",
        INCIDENT + "status-updates/{id}/withdraw/",
        withdraw_status_update,
    ),
    CockpitAction(
        "preview communication",
        "admin:library_communicationtemplate_communicate (GET)",
        "get",
        INCIDENT + "communications/preview/",
        preview_communication,
    ),
    CockpitAction(
        "send communication",
        "admin:library_communicationtemplate_communicate (POST)",
        "post",
        INCIDENT + "communications/",
        send_communication,
    ),
    CockpitAction(
        "see suggested playbooks",
        "cockpit panel library.playbooks",
        "get",
        INCIDENT + "playbooks/suggested/",
        suggested_playbooks,
    ),
    CockpitAction("apply playbook", "library_playbook_apply:", "post", INCIDENT + "playbooks/apply/", apply_playbook),
    CockpitAction(
        "see notifications", "cockpit panel paging.timers", "get", INCIDENT + "notifications/", list_notifications
    ),
    CockpitAction(
        "retry notification",
        "admin:outbox_notification retry action",
        "post",
        INCIDENT + "notifications/{id}/retry/",
        retry_notification,
    ),
    CockpitAction(
        "who is on call", "admin:paging_rotation on call now", "get", "/api/rotations/{id}/on-call/", who_is_on_call
    ),
    # What the cockpit and its linked admin pages show.
    CockpitAction("see checklist", "cockpit checklist", "get", INCIDENT + "checklist/", see_checklist),
    CockpitAction("see timeline", "cockpit timeline", "get", INCIDENT + "timeline/", see_timeline),
    CockpitAction(
        "list communication templates",
        "admin:library_communicationtemplate_changelist",
        "get",
        "/api/communication-templates/",
        list_templates,
    ),
    CockpitAction("list playbooks", "admin:library_playbook_changelist", "get", "/api/playbooks/", list_playbooks),
    CockpitAction(
        "list escalation policies",
        "admin:paging_escalationpolicy_changelist",
        "get",
        "/api/escalation-policies/",
        list_escalation_policies,
    ),
    CockpitAction(
        "on call in every rotation",
        "admin:paging_rotation_changelist",
        "get",
        "/api/rotations/on-call/",
        on_call_everywhere,
    ),
]


def caller(scene: Scene, action: CockpitAction) -> Call:
    def call(data: Any = None, query: dict[str, Any] | None = None, **path_values: Any) -> Response:
        path = action.path.format(**path_values)
        send = getattr(scene.api, action.method)
        if action.method == "get":
            return send(path, query or {})
        return send(path, data, format="json")

    return call


@pytest.fixture
def scene(commander, severities) -> Scene:
    return Scene(commander=commander, api=api_for(commander))


@pytest.mark.parametrize("action", ACTIONS, ids=lambda action: action.name)
def test_every_cockpit_action_works_through_the_api(scene, action):
    action.exercise(scene, caller(scene, action))


def test_every_endpoint_of_the_table_is_in_the_openapi_schema(commander):
    """Documented with its response body (and its request body, when it takes one)."""
    schema = api_for(commander).get("/api/schema/", {"format": "json"}).json()
    missing, undocumented = [], []
    for action in ACTIONS:
        operation = schema["paths"].get(action.path, {}).get(action.method)
        if operation is None:
            missing.append(f"{action.method.upper()} {action.path}")
            continue
        success = [body for code, body in operation["responses"].items() if code.startswith("2")]
        if action.method == "delete" and "204" in operation["responses"]:
            continue  # nothing to say but that it is gone
        if not any("content" in body for body in success):
            undocumented.append(f"{action.method.upper()} {action.path} (response)")
    assert missing == []
    assert undocumented == []
    for path, method in [
        (INCIDENT + "communications/", "post"),
        (INCIDENT + "playbooks/apply/", "post"),
        (INCIDENT + "status-updates/", "post"),
        (INCIDENT, "patch"),
    ]:
        assert "application/json" in schema["paths"][path][method]["requestBody"]["content"], path


FORM_ACTION = re.compile(r'<form[^>]*method="post"[^>]*action="([^"]+)"|<form[^>]*action="([^"]+)"[^>]*method="post"')


# Forms of every admin page, not of the cockpit.
PAGE_CHROME = {"logout"}


def cockpit_forms(html: str) -> set[str]:
    """`<url name>:<action>` of every form the cockpit posts, e.g. incidents_incident_cockpit:note."""
    found = set()
    for match in FORM_ACTION.finditer(html):
        url = match.group(1) or match.group(2)
        resolved = resolve(url)
        if resolved.url_name in PAGE_CHROME:
            continue
        found.add(f"{resolved.url_name}:{resolved.kwargs.get('action', '')}")
    return found


def test_every_form_of_the_cockpit_has_a_row(scene, commander_client):
    """The cockpit rendered in the states that offer each button: a new P4 with a published update and a
    suggested playbook, and the same resolved (close, reopen). Communicate is a page of its own."""
    incident = scene.declare(level="P4", title="Redis cache timeouts", public=True)
    statuspage.status_update_publish(incident, status="investigating", body="Looking.", by=scene.commander)
    forms = cockpit_forms(commander_client.get(f"/admin/incidents/incident/{incident.pk}/change/").content.decode())
    services.incident_resolve(incident, by=scene.commander)
    forms |= cockpit_forms(commander_client.get(f"/admin/incidents/incident/{incident.pk}/change/").content.decode())
    communicate = f"/admin/library/communicationtemplate/communicate/{incident.pk}/"
    assert communicate in commander_client.get(f"/admin/incidents/incident/{incident.pk}/change/").content.decode()
    offered = {"acknowledge", "move-identified", "move-resolved", "move-investigating", "move-closed", "note", "tick"}
    assert {f"{COCKPIT}:{name}" for name in offered} <= forms  # both states were rendered
    assert {f"{STATUS_PAGE}:publish", f"{STATUS_PAGE}:withdraw", "library_playbook_apply:"} <= forms
    in_table = {action.admin for action in ACTIONS} | {name for action in ACTIONS for name in action.extra_admin}
    assert sorted(forms - in_table) == []
