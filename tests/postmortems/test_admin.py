from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import TimelineKind
from postmortems.models import ActionItem, PostMortemStatus, ReviewMeeting
from tests.factories import ActionItemFactory, UserFactory, resolved_incident

pytestmark = pytest.mark.django_db


def management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_postmortem_buttons_move_it_through_review(commander_client, commander, severities):
    postmortem = resolved_incident(by=commander).postmortem
    change = reverse("admin:postmortems_postmortem_change", args=[postmortem.pk])
    page = commander_client.get(change).content.decode()
    assert 'data-move="submit"' in page
    assert "Download Markdown" in page
    move = "admin:postmortems_postmortem_move"
    refused = commander_client.post(reverse(move, args=[postmortem.pk, "submit"]), follow=True)
    assert "Write the summary first." in refused.content.decode()
    postmortem.summary, postmortem.what_happened = "S", "W"
    postmortem.save()
    commander_client.post(reverse(move, args=[postmortem.pk, "submit"]))
    commander_client.post(reverse(move, args=[postmortem.pk, "publish"]))
    postmortem.refresh_from_db()
    assert postmortem.status == PostMortemStatus.PUBLISHED
    assert 'data-move="' not in commander_client.get(change).content.decode()


def test_report_link_only_for_managers(client, manager, commander, severities):
    url = reverse("admin:postmortems_actionitem_changelist")
    client.force_login(commander)
    assert "Managers' report" not in client.get(url).content.decode()
    client.force_login(manager)
    assert "Managers' report" in client.get(url).content.decode()


def test_viewer_cannot_move_a_postmortem(viewer_client, commander, severities):
    postmortem = resolved_incident(by=commander).postmortem
    response = viewer_client.post(reverse("admin:postmortems_postmortem_move", args=[postmortem.pk, "submit"]))
    assert response.status_code == 403


def test_action_item_add_form_refuses_missing_owner_and_due_date(commander_client, commander, severities):
    postmortem = resolved_incident(by=commander).postmortem
    url = reverse("admin:postmortems_actionitem_add")
    page = commander_client.post(
        url, {"postmortem": postmortem.pk, "action": "Fix", "priority": "high", "status": "open"}
    )
    assert page.status_code == 200
    assert page.content.decode().count("This field is required.") == 2
    assert not ActionItem.objects.exists()
    owner = UserFactory.create(username="olive")
    due = (timezone.now() + timedelta(days=3)).date().isoformat()
    created = commander_client.post(
        url,
        {
            "postmortem": postmortem.pk,
            "action": "Fix",
            "owner": owner.pk,
            "due_date": due,
            "priority": "high",
            "status": "open",
        },
    )
    assert created.status_code == 302
    item = ActionItem.objects.get()
    assert item.created_by == commander
    assert postmortem.incident.timeline.filter(
        kind=TimelineKind.POSTMORTEM, text__startswith="Action item: Fix"
    ).exists()


def test_review_meeting_add_needs_attendees(commander_client, commander, severities):
    postmortem = resolved_incident(by=commander).postmortem
    url = reverse("admin:postmortems_reviewmeeting_add")
    base = {
        "postmortem": postmortem.pk,
        "starts_at_0": "2026-12-01",
        "starts_at_1": "14:00:00",
        "location": "",
        "notes": "",
    }
    refused = commander_client.post(url, {**base, **management("attendees", 1)})
    assert refused.status_code == 200
    assert not ReviewMeeting.objects.exists()
    created = commander_client.post(
        url,
        {
            **base,
            **management("attendees", 1),
            "attendees-0-user": commander.pk,
            "attendees-0-role": "incident_commander",
            "attendees-0-attended": "unknown",
        },
    )
    assert created.status_code == 302, created.content.decode()[:3000]
    meeting = ReviewMeeting.objects.get()
    assert meeting.agenda.count() == 5
    assert meeting.attendees.get().user == commander
    ics = commander_client.get(reverse("admin:postmortems_reviewmeeting_ics", args=[meeting.pk]))
    assert ics["Content-Type"].startswith("text/calendar")


@pytest.mark.parametrize("name", ["postmortem", "actionitem", "reviewmeeting"])
def test_changelists_query_count_does_not_grow(
    commander_client, commander, severities, django_assert_max_num_queries, name
):
    from postmortems import meetings
    from postmortems.models import AttendeeRole

    def add_rows(n: int) -> None:
        for _ in range(n):
            postmortem = resolved_incident(by=commander).postmortem
            ActionItemFactory.create(postmortem=postmortem, owner=UserFactory.create())
            meetings.review_meeting_schedule(
                postmortem=postmortem,
                starts_at=timezone.now() + timedelta(days=1),
                attendees=[(commander, AttendeeRole.INCIDENT_COMMANDER)],
                by=commander,
            )

    url = reverse(f"admin:postmortems_{name}_changelist")
    add_rows(1)
    with django_assert_max_num_queries(40) as few:
        assert commander_client.get(url).status_code == 200
    add_rows(5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert commander_client.get(url).status_code == 200


def change_form_data(page) -> dict[str, object]:
    """The POST body of the change page left as it is: main form and the existing rows of every inline."""
    data: dict[str, object] = {}

    def add(form) -> None:
        for name in form.fields:
            value = form[name].value()
            if value is None:
                continue
            if isinstance(value, list | tuple):
                data[form.add_prefix(name)] = [str(v) for v in value]
            elif isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
            else:
                data[form.add_prefix(name)] = str(value)

    add(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = str(value)
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(len(formset.initial_forms))  # no blank extra rows
        for form in formset.initial_forms:
            add(form)
    return data


def test_postmortem_change_form_writes_inlines_through_services(commander_client, commander, severities):
    postmortem = resolved_incident(by=commander).postmortem
    kept = ActionItemFactory.create(postmortem=postmortem, priority="low")
    first = postmortem.timeline.order_by("at", "id")[0]
    assert first.included
    url = reverse("admin:postmortems_postmortem_change", args=[postmortem.pk])
    data = change_form_data(commander_client.get(url))
    owner = UserFactory.create(username="olive")
    due = (timezone.now() + timedelta(days=5)).date().isoformat()
    data.update(
        {
            "summary": "Checkout was down.",
            "action_items-TOTAL_FORMS": "2",
            "action_items-0-priority": "high",
            "action_items-0-status": "done",
            "action_items-1-action": "Add a pool limit",
            "action_items-1-owner": str(owner.pk),
            "action_items-1-priority": "medium",
            "action_items-1-due_date": due,
            "action_items-1-status": "in_progress",
            "action_items-1-postmortem": str(postmortem.pk),
            "whys-TOTAL_FORMS": "1",
            "whys-0-position": "1",
            "whys-0-question": "Why?",
            "whys-0-answer": "Because",
            "whys-0-postmortem": str(postmortem.pk),
        }
    )
    data.pop("timeline-0-included", None)  # untick the first timeline entry
    response = commander_client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    postmortem.refresh_from_db()
    assert postmortem.summary == "Checkout was down."
    kept.refresh_from_db()
    assert (kept.priority, kept.status) == ("high", "done")
    assert kept.completed_at is not None
    added = ActionItem.objects.get(action="Add a pool limit")
    assert (added.owner, added.status, added.created_by) == (owner, "in_progress", commander)
    assert list(postmortem.whys.values_list("question", "answer")) == [("Why?", "Because")]
    first.refresh_from_db()
    assert not first.included


def test_postmortem_change_form_with_an_invalid_row_writes_nothing(commander_client, commander, severities):
    postmortem = resolved_incident(by=commander).postmortem
    before = postmortem.summary
    item = ActionItemFactory.create(postmortem=postmortem, priority="low")
    url = reverse("admin:postmortems_postmortem_change", args=[postmortem.pk])
    data = change_form_data(commander_client.get(url))
    data.update(
        {
            "summary": "Rewritten",
            "action_items-0-priority": "high",
            "whys-TOTAL_FORMS": "1",
            "whys-0-position": "1",
            "whys-0-question": "",
            "whys-0-answer": "An answer without its question",
            "whys-0-postmortem": str(postmortem.pk),
        }
    )
    response = commander_client.post(url, data)
    assert response.status_code == 200
    assert response.context["errors"]
    postmortem.refresh_from_db()
    item.refresh_from_db()
    assert (postmortem.summary, item.priority, postmortem.whys.count()) == (before, "low", 0)


def test_action_item_change_form_saves_fields_and_status_together(commander_client, commander, severities):
    item = ActionItemFactory.create(postmortem=resolved_incident(by=commander).postmortem, priority="low")
    url = reverse("admin:postmortems_actionitem_change", args=[item.pk])
    data = change_form_data(commander_client.get(url))
    data.update({"priority": "high", "status": "done"})
    assert commander_client.post(url, data).status_code == 302
    item.refresh_from_db()
    assert (item.priority, item.status) == ("high", "done")
    assert item.completed_at is not None
    assert item.postmortem.incident.timeline.filter(text__startswith="Action item open → done").exists()


def test_postmortem_change_form_adds_and_removes_attachments(
    commander_client, commander, severities, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from postmortems.models import Attachment

    settings.MEDIA_ROOT = tmp_path
    postmortem = resolved_incident(by=commander).postmortem
    url = reverse("admin:postmortems_postmortem_change", args=[postmortem.pk])
    data = change_form_data(commander_client.get(url))
    data.update(
        {
            "attachments-TOTAL_FORMS": "1",
            "attachments-0-kind": "logs",
            "attachments-0-caption": "API logs",
            "attachments-0-file": SimpleUploadedFile("api.log", b"500 at 09:01\n", content_type="text/plain"),
            "attachments-0-postmortem": str(postmortem.pk),
        }
    )
    response = commander_client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    attachment = Attachment.objects.get(postmortem=postmortem)
    assert (attachment.caption, attachment.uploaded_by) == ("API logs", commander)
    data = change_form_data(commander_client.get(url))
    data["attachments-0-DELETE"] = "on"
    assert commander_client.post(url, data).status_code == 302
    assert not Attachment.objects.filter(postmortem=postmortem).exists()


def test_review_meeting_change_saves_attendance_and_agenda_notes_in_one_edit(commander_client, commander, severities):
    from datetime import UTC, datetime

    from postmortems import meetings
    from postmortems.models import AttendeeRole

    postmortem = resolved_incident(by=commander).postmortem
    meeting = meetings.review_meeting_schedule(
        postmortem=postmortem,
        starts_at=datetime(2026, 12, 1, 14, 0, tzinfo=UTC),
        attendees=[(commander, AttendeeRole.INCIDENT_COMMANDER)],
        by=commander,
    )
    attendee = meeting.attendees.get()
    items = list(meeting.agenda.order_by("position"))
    data = {
        "postmortem": postmortem.pk,
        "starts_at_0": "2026-12-01",
        "starts_at_1": "14:00:00",
        "location": "Room 4",
        "notes": "",
        **management("attendees", 1, initial=1),
        "attendees-0-id": attendee.pk,
        "attendees-0-meeting": meeting.pk,
        "attendees-0-user": commander.pk,
        "attendees-0-role": "incident_commander",
        "attendees-0-attended": "true",
        **management("agenda", len(items), initial=len(items)),
    }
    for index, item in enumerate(items):
        data[f"agenda-{index}-id"] = item.pk
        data[f"agenda-{index}-meeting"] = meeting.pk
        data[f"agenda-{index}-notes"] = "Pool too small" if index == 1 else ""
    response = commander_client.post(reverse("admin:postmortems_reviewmeeting_change", args=[meeting.pk]), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    meeting.refresh_from_db()
    assert meeting.location == "Room 4"
    assert meeting.attendees.get().attended is True
    assert meeting.agenda.get(pk=items[1].pk).notes == "Pool too small"
