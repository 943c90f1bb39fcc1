from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from icalendar import Calendar

from incidents import services as incident_services
from incidents import spreadsheets
from postmortems import exports, meetings, services
from postmortems.models import AttendeeRole, PostMortem
from tests.factories import ActionItemFactory, ComponentFactory, IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db

# Runbook 4.1, "Post-Mortem Template": its headings, in order.
TEMPLATE_HEADINGS = [
    "# Post-Mortem: INC-",
    "## Metadata",
    "## Summary",
    "## Timeline",
    "## Root Cause Analysis",
    "### What happened?",
    "### Why did it happen?",
    "### How did we detect it?",
    "## Impact Assessment",
    "## Response Assessment",
    "### What went well?",
    "### What could have gone better?",
    "### What did we learn?",
    "## Action Items",
    "## Attachments",
]
TEMPLATE_METADATA = ["Incident ID", "Date", "Severity", "Duration", "Reporter", "Reviewers"]
TEMPLATE_IMPACT = ["Users affected", "Features affected", "Data impact", "SLA impact"]


@pytest.fixture
def written(commander, severities) -> PostMortem:
    api = ComponentFactory.create(name="API")
    start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        incident = IncidentFactory.create(by=commander, level="P1", title="Checkout down", components=[api])
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        incident_services.incident_acknowledge(incident, by=commander)
        incident_services.incident_add_note(incident, by=commander, text="Pool | exhausted")
    with time_machine.travel(start + timedelta(minutes=150), tick=False):
        incident = incident_services.incident_resolve(incident, by=commander)
    postmortem = incident.postmortem
    services.postmortem_update(
        postmortem,
        by=commander,
        summary="Checkout failed for 2.5 hours.",
        what_happened="The connection pool ran out.",
        detection="Alert on 5xx rate.",
        users_affected_pct=60,
        went_well="Fast rollback\nClear comms",
        could_be_better="Paging took long",
        learned="Pool limits matter",
    )
    services.postmortem_set_whys(
        postmortem, whys=[("Why did checkout fail?", "No connections"), ("Why no connections?", "Leak")], by=commander
    )
    services.postmortem_set_reviewers(
        postmortem, reviewers=[UserFactory.create(username="rev", first_name="Rhea")], by=commander
    )
    owner = UserFactory.create(username="olive", first_name="Olive", last_name="Owens")
    ActionItemFactory.create(
        postmortem=postmortem, owner=owner, action="Cap the pool", priority="high", due_date=date(2026, 3, 9)
    )
    ActionItemFactory.create(
        postmortem=postmortem, owner=owner, action="Add leak alert", priority="low", due_date=date(2026, 3, 20)
    )
    return exports.postmortem_for_export(postmortem.pk)


def test_markdown_follows_the_runbook_template_section_by_section(written):
    text = exports.postmortem_markdown(written)
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert len(headings) == len(TEMPLATE_HEADINGS)
    for heading, expected in zip(headings, TEMPLATE_HEADINGS, strict=True):
        assert heading.startswith(expected)
    reference = written.incident.reference
    assert headings[0] == f"# Post-Mortem: {reference}"
    for label in TEMPLATE_METADATA + TEMPLATE_IMPACT:
        assert f"- **{label}:** " in text
    assert "- **Duration:** 150 minutes" in text
    assert "- **Severity:** P1 - Critical (Service Down)" in text
    assert "- **Reviewers:** Rhea" in text
    assert "- **SLA impact:** 30 minutes beyond the 2-hour resolution target" in text
    assert "- **Users affected:** 60%" in text
    assert "- **Features affected:** API" in text
    assert "| Time (UTC) | Event |" in text
    assert "Pool \\| exhausted" in text  # a pipe cannot break the table
    assert "1. **Why did checkout fail?** No connections\n2. **Why no connections?** Leak" in text
    assert "### What went well?\n1. Fast rollback\n2. Clear comms\n" in text
    assert "| ID | Action | Owner | Priority | Due Date |" in text
    assert "| 1 | Cap the pool | Olive Owens | High | 2026-03-09 |" in text
    assert "| 2 | Add leak alert | Olive Owens | Low | 2026-03-20 |" in text
    # Sections appear in the template's order.
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)


def test_dropped_timeline_entries_leave_the_export(written, commander):
    note = written.timeline.get(text="Pool | exhausted")
    keep = [e.pk for e in written.timeline.all() if e.pk != note.pk and e.included]
    assert "Pool \\| exhausted" in exports.postmortem_markdown(written)
    services.postmortem_choose_timeline(written, keep=keep, by=commander)
    assert "Pool \\| exhausted" not in exports.postmortem_markdown(exports.postmortem_for_export(written.pk))


def test_communication_draft_follows_runbook_3_4(written):
    subject, body = exports.communication_draft(written)
    assert subject == f"Post-Incident Review: {written.incident.reference}"
    sections = [line for line in body.splitlines() if line.endswith(":") and not line.startswith(("-", " "))]
    assert sections == ["Summary:", "Timeline:", "Root Cause:", "Impact:", "Lessons Learned:", "Action Items:"]
    assert "- Duration: 150 minutes" in body
    assert "- Users affected: 60%" in body
    assert "- Data loss: None" in body
    assert "1. Olive Owens - Cap the pool - 2026-03-09" in body
    assert re.search(r"^- 10:00 - Declared as P1", body, re.M)


def test_markdown_download_in_admin_and_api(client, commander, written):
    client.force_login(commander)
    admin_md = client.get(reverse("admin:postmortems_postmortem_markdown", args=[written.pk]))
    assert admin_md["Content-Type"].startswith("text/markdown")
    assert "attachment" in admin_md["Content-Disposition"]
    api_md = client.get(f"/api/postmortems/{written.pk}/markdown")
    assert api_md.status_code == 200
    assert api_md.content == admin_md.content
    communication = client.get(f"/api/postmortems/{written.pk}/communication").json()
    assert communication["subject"].startswith("Post-Incident Review")
    page = client.get(reverse("admin:postmortems_postmortem_communication", args=[written.pk]))
    assert "Lessons Learned:" in page.content.decode()


def schedule(postmortem, commander, **kwargs):
    engineer = UserFactory.create(username="eng", first_name="Eli", email="eli@example.com")
    pm = UserFactory.create(username="prod", first_name="Pat", email="pat@example.com")
    return meetings.review_meeting_schedule(
        postmortem=postmortem,
        starts_at=datetime(2026, 3, 5, 14, 0, tzinfo=UTC),
        attendees=[
            (commander, AttendeeRole.INCIDENT_COMMANDER),
            (engineer, AttendeeRole.ENGINEER),
            (pm, AttendeeRole.PRODUCT_MANAGER),
        ],
        by=commander,
        **kwargs,
    )


def test_meeting_has_the_thirty_minute_agenda(written, commander):
    meeting = schedule(written, commander)
    agenda = list(meeting.agenda.values_list("title", "minutes"))
    assert agenda == [
        ("Timeline review", 5),
        ("Root cause discussion", 10),
        ("Response assessment", 5),
        ("Action item assignment", 5),
        ("Lessons learned", 5),
    ]
    assert sum(minutes for _, minutes in agenda) == 30 == meeting.duration.total_seconds() / 60


def test_meeting_without_attendees_is_refused(written, commander):
    with pytest.raises(ValidationError, match="needs attendees"):
        meetings.review_meeting_schedule(
            postmortem=written, starts_at=datetime(2026, 3, 5, 14, 0, tzinfo=UTC), attendees=[], by=commander
        )
    assert not written.meetings.exists()


def test_ics_parses_with_attendees_and_thirty_minutes(written, commander):
    commander.email = "casey@example.com"
    commander.save()
    meeting = schedule(written, commander, location="Room 4")
    calendar = Calendar.from_ical(exports.meeting_ics(meeting))
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 3, 5, 14, 0, tzinfo=UTC)
    assert event.decoded("duration") == timedelta(minutes=30)
    attendees = {str(a): a.params for a in event.get("attendee")}
    assert set(attendees) == {"mailto:casey@example.com", "mailto:eli@example.com", "mailto:pat@example.com"}
    assert attendees["mailto:pat@example.com"]["ROLE"] == "OPT-PARTICIPANT"
    assert attendees["mailto:eli@example.com"]["ROLE"] == "REQ-PARTICIPANT"
    assert str(event.get("location")) == "Room 4"
    assert "Root cause discussion (10 min)" in str(event.get("description"))
    assert str(event.get("uid")) == f"{meeting.uid}@warroom"


def test_invite_is_emailed_with_the_ics(written, commander, django_capture_on_commit_callbacks):
    meeting = schedule(written, commander)
    with django_capture_on_commit_callbacks(execute=True):
        sent = meetings.review_meeting_send_invite(meeting, by=commander)
    assert sent == 2  # the commander has no address
    # One message per attendee, each stored in the outbox first and carrying the invite.
    invites = [m for m in mail.outbox if m.subject.startswith("Post-incident review")]
    assert sorted(address for m in invites for address in m.to) == ["eli@example.com", "pat@example.com"]
    message = invites[0]
    name, content, mimetype = message.attachments[0]
    assert name.endswith(".ics")
    assert mimetype.startswith("text/calendar")
    assert Calendar.from_ical(content).walk("VEVENT")[0].decoded("duration") == timedelta(minutes=30)


def test_rescheduling_revises_the_invite(written, commander):
    meeting = schedule(written, commander)
    meetings.review_meeting_update(meeting, by=commander, starts_at=datetime(2026, 3, 6, 9, 0, tzinfo=UTC))
    meeting.refresh_from_db()
    assert meeting.sequence == 1
    event = Calendar.from_ical(exports.meeting_ics(meeting)).walk("VEVENT")[0]
    assert event.decoded("sequence") == 1


def test_attendance_is_recorded(written, commander):
    meeting = schedule(written, commander)
    meetings.review_meeting_record_attendance(meeting, attended={commander.pk: True}, by=commander)
    assert meeting.attendees.get(user=commander).attended is True
    with pytest.raises(ValidationError, match="not invited"):
        meetings.review_meeting_record_attendance(meeting, attended={10**9: True}, by=commander)


def test_spreadsheet_safe_cells():
    text = spreadsheets.csv_text(["a"], [["=1+1"], ["+cmd"], ["-2"], ["@SUM(A1)"], ["plain"], [3]])
    assert text.splitlines() == ["a", "'=1+1", "'+cmd", "'-2", "'@SUM(A1)", "plain", "3"]


def test_an_smtp_failure_on_an_invite_leaves_a_failed_outbox_row_and_the_page_answers(
    written, commander, client, django_capture_on_commit_callbacks
):
    """The invite is stored in the outbox before anything is sent: a mail server that refuses the
    connection is a failed row with its error, never an error page after the invite was recorded."""
    from django.test import override_settings
    from django.urls import reverse

    from incidents.outbox.models import Notification, NotificationStatus
    from tests.conftest import closed_port

    closed = closed_port()
    meeting = schedule(written, commander)
    client.force_login(commander)
    url = reverse("admin:postmortems_reviewmeeting_send_invite", args=[meeting.pk])
    smtp = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": closed,
        "EMAIL_TIMEOUT": 2,
        "NOTIFY_MAX_ATTEMPTS": 1,
    }
    with override_settings(**smtp), django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert response.status_code == 200
    rows = Notification.objects.filter(subject__startswith="Post-incident review")
    assert rows.count() == 2
    assert set(rows.values_list("status", flat=True)) == {NotificationStatus.FAILED}
    assert all(row.last_error for row in rows)
    meeting.refresh_from_db()
    assert meeting.invite_sent_at is not None


def test_ics_carries_utc_whatever_the_viewers_zone(written, commander):
    """A calendar invite names the moment in UTC ("Z"), not in the zone of whoever downloads it."""
    from django.utils import timezone

    meeting = schedule(written, commander)
    with timezone.override("Europe/Rome"):
        ics = exports.meeting_ics(meeting).decode()
    assert "DTSTART:20260305T140000Z" in ics
    assert "TZID" not in ics


def test_a_meeting_typed_in_rome_is_logged_in_utc(written, commander):
    """The admin's form gives the start in the user's zone; the timeline text names it in UTC."""
    from zoneinfo import ZoneInfo

    rome_afternoon = datetime(2026, 3, 5, 15, 0, tzinfo=ZoneInfo("Europe/Rome"))  # 14:00 UTC
    meeting = meetings.review_meeting_schedule(
        postmortem=written,
        starts_at=rome_afternoon,
        attendees=[(commander, AttendeeRole.INCIDENT_COMMANDER)],
        by=commander,
    )
    assert str(meeting) == f"Review of {written.incident.reference} at 2026-03-05 14:00 UTC"
    assert written.incident.timeline.filter(
        text__startswith="Review meeting scheduled for 2026-03-05 14:00 UTC"
    ).exists()
