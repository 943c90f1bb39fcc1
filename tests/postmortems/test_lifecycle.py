from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents import services as incident_services
from incidents.models import IncidentStatus, TimelineKind
from postmortems import services
from postmortems.models import ActionSource, ActionStatus, PostMortem, PostMortemStatus
from tests.factories import ActionItemFactory, ComponentFactory, IncidentFactory, UserFactory, resolved_incident

pytestmark = pytest.mark.django_db


def write_and_publish(postmortem: PostMortem, by) -> PostMortem:
    services.postmortem_update(postmortem, by=by, summary="Checkout was down.", what_happened="A bad deploy.")
    services.postmortem_submit(postmortem, by=by)
    return services.postmortem_publish(postmortem, by=by)


def test_resolving_a_p1_creates_a_prefilled_draft_with_the_incident_timeline(commander, severities):
    api = ComponentFactory.create(name="API")
    with time_machine.travel("2026-03-02 10:00Z", tick=False):
        incident = IncidentFactory.create(
            by=commander, level="P1", summary="Checkout 500s", users_affected_pct=60, components=[api]
        )
        incident_services.incident_acknowledge(incident, by=commander)
        incident_services.incident_add_note(incident, by=commander, text="Rolled back release 42")
    with time_machine.travel("2026-03-02 11:30Z", tick=False):
        incident = incident_services.incident_resolve(incident, by=commander)

    postmortem = PostMortem.objects.get(incident=incident)
    assert postmortem.status == PostMortemStatus.DRAFT
    assert postmortem.author == commander
    assert (postmortem.summary, postmortem.users_affected_pct, postmortem.features_affected) == (
        "Checkout 500s",
        60,
        "API",
    )
    # 24 hours after resolution for P1 (the runbook's promise), from the severity policy.
    assert incident.resolved_at is not None
    assert postmortem.due_at == incident.resolved_at + timedelta(hours=24)
    texts = list(postmortem.timeline.order_by("at", "id").values_list("text", flat=True))
    assert texts[0].startswith("Declared as P1")
    assert "Rolled back release 42" in texts
    assert any(text.startswith("Status investigating → resolved") for text in texts)
    assert incident.timeline.filter(kind=TimelineKind.POSTMORTEM, text="Post-mortem draft created").exists()
    assert postmortem.duration_minutes == 90


def test_p3_gets_no_draft_and_may_close(commander, severities):
    incident = resolved_incident(by=commander, level="P3")
    assert not PostMortem.objects.filter(incident=incident).exists()
    incident_services.incident_close(incident, by=commander)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED


def test_requirement_is_configurable_per_severity(commander, severities):
    severities["P3"].requires_postmortem = True
    severities["P3"].postmortem_due_after = timedelta(days=5)
    severities["P3"].save()
    incident = resolved_incident(by=commander, level="P3")
    assert incident.resolved_at is not None
    assert incident.postmortem.due_at == incident.resolved_at + timedelta(days=5)


def test_closing_is_refused_until_the_postmortem_is_published(commander, severities):
    incident = resolved_incident(by=commander, level="P2")
    with pytest.raises(ValidationError) as refused:
        incident_services.incident_close(incident, by=commander)
    assert "requires a published post-mortem" in str(refused.value)
    assert "is draft" in str(refused.value)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    write_and_publish(incident.postmortem, commander)
    incident_services.incident_close(incident, by=commander)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED


def test_closing_refused_when_the_draft_was_deleted(commander, severities):
    incident = resolved_incident(by=commander, level="P1")
    PostMortem.objects.filter(incident=incident).delete()
    with pytest.raises(ValidationError, match="has none yet"):
        incident_services.incident_close(incident, by=commander)


def test_reopen_and_resolve_again_keeps_one_postmortem_and_adds_new_entries(commander, severities):
    incident = resolved_incident(by=commander, level="P1")
    before = incident.postmortem.timeline.count()
    incident_services.incident_move_status(incident, status=IncidentStatus.INVESTIGATING, by=commander)
    incident_services.incident_resolve(incident, by=commander)
    assert PostMortem.objects.filter(incident=incident).count() == 1
    # Reopen, resolve again, and the "draft created" log line (copied, but not kept by default).
    assert incident.postmortem.timeline.count() == before + 3
    assert incident.postmortem.timeline.filter(included=True).count() == before + 2
    assert not incident.postmortem.timeline.get(text="Post-mortem draft created").included


def test_states_draft_review_published_and_refusals(commander, severities):
    postmortem = resolved_incident(by=commander).postmortem
    with pytest.raises(ValidationError) as refused:
        services.postmortem_submit(postmortem, by=commander)
    assert set(refused.value.message_dict) == {"summary", "what_happened"}
    with pytest.raises(ValidationError, match="submit it for review first"):
        services.postmortem_publish(postmortem, by=commander)
    published = write_and_publish(postmortem, commander)
    assert published.status == PostMortemStatus.PUBLISHED
    assert published.published_by == commander
    with pytest.raises(ValidationError, match="published; it is final"):
        services.postmortem_update(published, by=commander, summary="changed")
    assert PostMortem.objects.get(pk=postmortem.pk).summary == "Checkout was down."


def test_author_chooses_which_timeline_entries_to_keep(commander, severities):
    postmortem = resolved_incident(by=commander).postmortem
    entries = list(postmortem.timeline.order_by("at", "id"))
    services.postmortem_choose_timeline(postmortem, keep=[entries[0].pk], by=commander)
    assert list(postmortem.timeline.filter(included=True)) == [entries[0]]
    with pytest.raises(ValidationError):
        services.postmortem_choose_timeline(postmortem, keep=[10**9], by=commander)
    services.postmortem_choose_timeline(postmortem, keep=[], by=commander)
    services.postmortem_update(postmortem, by=commander, summary="s", what_happened="w")
    services.postmortem_submit(postmortem, by=commander)
    with pytest.raises(ValidationError, match="Keep at least one timeline entry"):
        services.postmortem_publish(postmortem, by=commander)


def test_five_whys_are_ordered_rows(commander, severities):
    postmortem = resolved_incident(by=commander).postmortem
    services.postmortem_set_whys(
        postmortem, whys=[("Why did checkout fail?", "Pool exhausted"), ("Why?", "No limit")], by=commander
    )
    assert list(postmortem.whys.values_list("position", "answer")) == [(1, "Pool exhausted"), (2, "No limit")]
    with pytest.raises(ValidationError, match="needs its question"):
        services.postmortem_set_whys(postmortem, whys=[("", "an answer")], by=commander)
    assert postmortem.whys.count() == 2


def test_action_item_requires_owner_and_due_date(commander, severities):
    postmortem = resolved_incident(by=commander).postmortem
    with pytest.raises(ValidationError) as refused:
        services.action_item_create(postmortem=postmortem, action="Add pool limit", owner=None, due_date=None, by=None)
    assert set(refused.value.message_dict) == {"owner", "due_date"}
    assert not postmortem.action_items.exists()


def test_action_item_status_sets_and_clears_completed_at(commander, severities):
    postmortem = resolved_incident(by=commander).postmortem
    item = ActionItemFactory.create(postmortem=postmortem, owner=UserFactory.create(username="olive"))
    assert item.source == ActionSource.POSTMORTEM
    done = services.action_item_set_status(item, status=ActionStatus.DONE, by=commander)
    assert done.completed_at is not None
    reopened = services.action_item_set_status(item, status=ActionStatus.IN_PROGRESS, by=commander)
    assert reopened.completed_at is None
    with pytest.raises(ValidationError, match="already in progress"):
        services.action_item_set_status(item, status=ActionStatus.IN_PROGRESS, by=commander)
    assert postmortem.incident.timeline.filter(text__startswith="Action item open → done").exists()


def test_action_item_update_validates(commander, severities):
    postmortem = resolved_incident(by=commander).postmortem
    item = ActionItemFactory.create(postmortem=postmortem)
    new_due = timezone.now().date() + timedelta(days=3)
    services.action_item_update(item, by=commander, due_date=new_due, priority="high")
    item.refresh_from_db()
    assert (item.due_date, item.priority) == (new_due, "high")
    with pytest.raises(ValidationError) as refused:
        services.action_item_update(item, by=commander, owner=None)
    assert "owner" in refused.value.message_dict
    with pytest.raises(ValidationError, match="cannot be edited here: source"):
        services.action_item_update(item, by=commander, source="review_meeting")
    with pytest.raises(ValidationError) as refused:
        services.action_item_update(item, by=commander, priority="low", status="finished")
    assert set(refused.value.message_dict) == {"status"}
    item.refresh_from_db()
    assert (item.priority, item.status) == ("high", "open")
    services.action_item_update(item, by=commander, priority="low", status="done")
    item.refresh_from_db()
    assert (item.priority, item.status) == ("low", "done")
    assert item.completed_at is not None


def test_postmortem_update_names_every_refused_field_and_writes_nothing(commander, severities):
    postmortem = resolved_incident(by=commander).postmortem
    left = UserFactory.create(username="left", is_active=False)
    with pytest.raises(ValidationError) as refused:
        services.postmortem_update(
            postmortem, by=commander, summary="Rewritten", users_affected_pct=130, reviewers=[left]
        )
    assert set(refused.value.message_dict) == {"users_affected_pct", "reviewers"}
    postmortem.refresh_from_db()
    assert postmortem.summary != "Rewritten"
    assert not postmortem.reviewers.exists()
    reviewer = UserFactory.create(username="rhea")
    services.postmortem_update(postmortem, by=commander, summary="Rewritten", reviewers=[reviewer])
    postmortem.refresh_from_db()
    assert (postmortem.summary, list(postmortem.reviewers.all())) == ("Rewritten", [reviewer])
