from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from incidents import services as incident_services
from postmortems.models import ActionItem, PostMortem, PostMortemStatus, ReviewMeeting
from tests.factories import ActionItemFactory, UserFactory, resolved_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(commander) -> APIClient:
    client = APIClient()
    token = Token.objects.create(user=commander)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_anonymous_is_refused():
    assert APIClient().get("/api/action-items/").status_code in (401, 403)


def test_write_and_publish_a_postmortem_through_the_api(api, commander, severities):
    incident = resolved_incident(by=commander, level="P2")
    listed = api.get("/api/postmortems/", {"incident": incident.reference}).json()
    assert listed["count"] == 1
    pk = listed["results"][0]["id"]
    refused = api.post(f"/api/postmortems/{pk}/submit/")
    assert refused.status_code == 400
    assert set(refused.json()) == {"summary", "what_happened"}
    patched = api.patch(
        f"/api/postmortems/{pk}/", {"summary": "S", "what_happened": "W", "users_affected_pct": 30}, format="json"
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["users_affected_pct"] == 30
    bad = api.patch(f"/api/postmortems/{pk}/", {"users_affected_pct": 130}, format="json")
    assert bad.status_code == 400
    whys = api.put(f"/api/postmortems/{pk}/whys/", {"whys": [{"question": "Why?", "answer": "Because"}]}, format="json")
    assert whys.json()["whys"] == [{"position": 1, "question": "Why?", "answer": "Because"}]
    first = whys.json()["timeline"][0]["id"]
    kept = api.post(f"/api/postmortems/{pk}/timeline/", {"keep": [first]}, format="json").json()
    assert [e["id"] for e in kept["timeline"] if e["included"]] == [first]
    assert api.post(f"/api/postmortems/{pk}/submit").json()["status"] == PostMortemStatus.IN_REVIEW
    assert api.post(f"/api/postmortems/{pk}/publish").json()["status"] == PostMortemStatus.PUBLISHED
    markdown = api.get(f"/api/postmortems/{pk}/markdown")
    assert markdown.content.decode().startswith(f"# Post-Mortem: {incident.reference}")
    incident_services.incident_close(incident, by=commander)


def test_create_a_postmortem_for_an_incident_without_one(api, commander, severities):
    incident = resolved_incident(by=commander, level="P3")
    created = api.post("/api/postmortems/", {"incident": incident.reference, "summary": "Minor"}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["summary"] == "Minor"
    again = api.post("/api/postmortems/", {"incident": incident.reference}, format="json")
    assert again.status_code == 400
    assert "already has a post-mortem" in str(again.json())


def test_action_item_without_owner_or_due_date_is_refused(api, commander, severities):
    postmortem = resolved_incident(by=commander).postmortem
    response = api.post("/api/action-items/", {"postmortem": postmortem.pk, "action": "Fix it"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "owner": ["An action item needs an owner."],
        "due_date": ["An action item needs a due date."],
    }
    assert not ActionItem.objects.exists()


def test_action_item_create_and_complete(api, commander, severities):
    postmortem = resolved_incident(by=commander).postmortem
    owner = UserFactory.create(username="olive")
    due = (timezone.now() + timedelta(days=7)).date().isoformat()
    created = api.post(
        "/api/action-items/",
        {"postmortem": postmortem.pk, "action": "Fix it", "owner": owner.pk, "due_date": due, "priority": "high"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["incident"], body["source"], body["status"]) == (postmortem.incident.reference, "postmortem", "open")
    done = api.patch(f"/api/action-items/{body['id']}/", {"status": "done"}, format="json").json()
    assert done["status"] == "done"
    assert done["completed_at"] is not None
    bad = api.patch(f"/api/action-items/{body['id']}/", {"status": "finished"}, format="json")
    assert bad.status_code == 400


def test_action_item_filters(api, commander, severities):
    today = timezone.now().date()
    first = resolved_incident(by=commander)
    second = resolved_incident(by=commander, level="P2")
    olive, otto = UserFactory.create(username="olive"), UserFactory.create(username="otto")
    late = ActionItemFactory.create(
        postmortem=first.postmortem, owner=olive, due_date=today - timedelta(days=2), priority="high"
    )
    ActionItemFactory.create(
        postmortem=first.postmortem, owner=otto, due_date=today + timedelta(days=5), priority="low"
    )
    ActionItemFactory.create(postmortem=second.postmortem, owner=olive, due_date=today + timedelta(days=30))

    def ids(**params) -> list[int]:
        return [row["id"] for row in api.get("/api/action-items/", params).json()["results"]]

    assert len(ids(owner=olive.pk)) == 2
    assert ids(overdue="true") == [late.pk]
    assert len(ids(overdue="false")) == 2
    assert ids(priority="high") == [late.pk]
    assert len(ids(priority=["high", "low"])) == 2
    assert len(ids(incident=first.reference)) == 2
    assert len(ids(due_after=today.isoformat(), due_before=(today + timedelta(days=10)).isoformat())) == 1
    assert ids(status="done") == []
    assert api.get("/api/action-items/", {"due_after": "soon"}).status_code == 400


@pytest.mark.parametrize("url", ["/api/action-items/", "/api/postmortems/", "/api/review-meetings/"])
def test_list_query_count_does_not_grow(api, commander, severities, django_assert_max_num_queries, url):
    from postmortems import meetings
    from postmortems.models import AttendeeRole

    def add_rows(n: int) -> None:
        for _ in range(n):
            postmortem = resolved_incident(by=commander).postmortem
            ActionItemFactory.create(postmortem=postmortem, owner=UserFactory.create(), due_date=date(2026, 12, 1))
            meetings.review_meeting_schedule(
                postmortem=postmortem,
                starts_at=timezone.now() + timedelta(days=1),
                attendees=[(commander, AttendeeRole.INCIDENT_COMMANDER), (UserFactory.create(), AttendeeRole.ENGINEER)],
                by=commander,
            )

    add_rows(1)
    with django_assert_max_num_queries(20) as few:
        assert api.get(url).json()["count"] == 1
    add_rows(5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api.get(url).json()["count"] == 6


def test_review_meeting_via_api_with_ics(api, commander, severities):
    postmortem: PostMortem = resolved_incident(by=commander).postmortem
    engineer = UserFactory.create(username="eli", email="eli@example.com")
    start = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    refused = api.post(
        "/api/review-meetings/",
        {"postmortem": postmortem.pk, "starts_at": start.isoformat(), "attendees": []},
        format="json",
    )
    assert refused.status_code == 400
    assert "needs attendees" in str(refused.json())
    created = api.post(
        "/api/review-meetings/",
        {
            "postmortem": postmortem.pk,
            "starts_at": start.isoformat(),
            "attendees": [
                {"user": commander.pk, "role": "incident_commander"},
                {"user": engineer.pk, "role": "engineer"},
            ],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["duration_minutes"] == 30
    assert [item["minutes"] for item in body["agenda"]] == [5, 10, 5, 5, 5]
    ics = api.get(f"/api/review-meetings/{body['id']}/ics")
    assert ics["Content-Type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(ics.content).walk("VEVENT")
    assert "mailto:eli@example.com" in [str(a) for a in event.get("attendee")]
    sent = api.post(f"/api/review-meetings/{body['id']}/send-invite/")
    assert sent.status_code == 202
    assert sent.json() == {"sent_to": 1}
    assert ReviewMeeting.objects.get().invite_sent_at is not None


def test_openapi_schema_includes_the_endpoints(client, commander):
    client.force_login(commander)
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    assert "/api/action-items/" in paths or "/api/action-items" in str(paths)


def test_postmortem_patch_is_refused_whole(api, commander, severities):
    """A valid content change and refused reviewers in one PATCH: 400 naming reviewers, nothing written."""
    postmortem = resolved_incident(by=commander).postmortem
    before = postmortem.summary
    left = UserFactory.create(username="left", is_active=False)
    response = api.patch(
        f"/api/postmortems/{postmortem.pk}/", {"summary": "Rewritten", "reviewers": [left.pk]}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"reviewers"}
    postmortem.refresh_from_db()
    assert postmortem.summary == before
    assert not postmortem.reviewers.exists()


def test_postmortem_create_is_refused_whole(api, commander, severities):
    incident = resolved_incident(by=commander, level="P3")
    left = UserFactory.create(username="left", is_active=False)
    response = api.post(
        "/api/postmortems/", {"incident": incident.reference, "summary": "Minor", "reviewers": [left.pk]}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"reviewers"}
    assert not PostMortem.objects.filter(incident=incident).exists()


def test_action_item_patch_is_refused_whole(api, commander, severities, monkeypatch):
    """A valid field change and a status change refused while it is applied: 400 naming status, row unchanged.

    No input is refused at that point today, so the refusal is raised from the timers the status change
    cancels; the point is that the field change made before it is rolled back with it.
    """
    from django.core.exceptions import ValidationError

    from postmortems import timers

    item = ActionItemFactory.create(postmortem=resolved_incident(by=commander).postmortem, priority="low")

    def refuse(item) -> None:
        raise ValidationError({"status": "Refused while closing the action item."})

    monkeypatch.setattr(timers, "cancel_action_item", refuse)
    response = api.patch(f"/api/action-items/{item.pk}/", {"priority": "high", "status": "done"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"status": ["Refused while closing the action item."]}
    item.refresh_from_db()
    assert (item.priority, item.status, item.completed_at) == ("low", "open", None)


def test_patching_a_published_postmortem_is_refused(api, commander, severities):
    from tests.factories import publish_postmortem

    incident = resolved_incident(by=commander)
    publish_postmortem(incident, by=commander)
    response = api.patch(f"/api/postmortems/{incident.postmortem.pk}/", {"summary": "Changed"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": [f"The post-mortem of {incident.reference} is published; it is final."]}
    incident.postmortem.refresh_from_db()
    assert incident.postmortem.summary != "Changed"
