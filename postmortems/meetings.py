"""Review meeting writes (runbook 4.2): schedule with attendees and the 30-minute agenda, invite, attendance."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from incidents.languages import in_language, in_site_language, user_language
from incidents.models import TimelineKind
from incidents.outbox import services as outbox
from incidents.timeline import Actor, acting_user, timeline_append
from postmortems.models import (
    REVIEW_AGENDA,
    AgendaItem,
    AttendeeRole,
    MeetingAttendee,
    PostMortem,
    ReviewMeeting,
)


def _clean_attendees(attendees: Iterable[tuple[Any, str]]) -> list[tuple[Any, str]]:
    rows = list(attendees)
    if not rows:
        raise ValidationError({"attendees": _("A review meeting needs attendees.")})
    seen: set[int] = set()
    for user, role in rows:
        if role not in AttendeeRole.values:
            raise ValidationError({"attendees": _("Unknown attendee role %(role)r.") % {"role": role}})
        if user.pk in seen:
            raise ValidationError({"attendees": _("%(user)s is listed twice.") % {"user": user}})
        seen.add(user.pk)
    return rows


@transaction.atomic
def review_meeting_schedule(
    *,
    postmortem: PostMortem,
    starts_at: datetime | None,
    attendees: Iterable[tuple[Any, str]],
    by: Actor,
    location: str = "",
    notes: str = "",
) -> ReviewMeeting:
    """Create the meeting with its attendees (user, role) and the runbook's five timed agenda items."""
    if starts_at is None:
        raise ValidationError({"starts_at": _("Choose when the review starts.")})
    rows = _clean_attendees(attendees)
    meeting = ReviewMeeting.objects.create(
        postmortem=postmortem,
        starts_at=starts_at,
        location=location,
        notes=notes,
        created_by=acting_user(by),
    )
    MeetingAttendee.objects.bulk_create(MeetingAttendee(meeting=meeting, user=u, role=r) for u, r in rows)
    with in_site_language():  # stored text: the site's language, whoever schedules
        AgendaItem.objects.bulk_create(
            AgendaItem(meeting=meeting, position=n, title=_(title), minutes=minutes)
            for n, (title, minutes) in enumerate(REVIEW_AGENDA, start=1)
        )
        text = ngettext(
            "Review meeting scheduled for %(starts)s UTC with %(count)d attendee",
            "Review meeting scheduled for %(starts)s UTC with %(count)d attendees",
            len(rows),
        ) % {"starts": f"{starts_at.astimezone(UTC):%Y-%m-%d %H:%M}", "count": len(rows)}
    timeline_append(postmortem.incident, kind=TimelineKind.POSTMORTEM, text=text, by=by, data={"meeting": meeting.pk})
    return meeting


@transaction.atomic
def review_meeting_update(
    meeting: ReviewMeeting,
    *,
    by: Actor,
    starts_at: datetime | None = None,
    location: str | None = None,
    notes: str | None = None,
    attendees: Iterable[tuple[Any, str]] | None = None,
    attended: Mapping[int, bool] | None = None,
    agenda_notes: Mapping[int, str] | None = None,
) -> ReviewMeeting:
    """Change time, place, notes or attendees, who came (by user id) and the notes per agenda item (by
    item id), as one edit; a changed time or place revises the calendar invite."""
    meeting = ReviewMeeting.objects.select_for_update().get(pk=meeting.pk)
    fields: list[str] = []
    if starts_at is not None and starts_at != meeting.starts_at:
        meeting.starts_at = starts_at
        fields.append("starts_at")
    if location is not None and location != meeting.location:
        meeting.location = location
        fields.append("location")
    if notes is not None and notes != meeting.notes:
        meeting.notes = notes
        fields.append("notes")
    if attendees is not None:
        rows = _clean_attendees(attendees)
        meeting.attendees.all().delete()
        MeetingAttendee.objects.bulk_create(MeetingAttendee(meeting=meeting, user=u, role=r) for u, r in rows)
        fields.append("sequence")
    if {"starts_at", "location"} & set(fields) and "sequence" not in fields:
        fields.append("sequence")
    if "sequence" in fields:
        meeting.sequence += 1
    if fields:
        meeting.save(update_fields=fields)
    if attended:
        review_meeting_record_attendance(meeting, attended=attended, by=by)
    if agenda_notes:
        _set_agenda_notes(meeting, agenda_notes)
    return meeting


def _set_agenda_notes(meeting: ReviewMeeting, notes: Mapping[int, str]) -> None:
    items = {item.pk: item for item in meeting.agenda.select_for_update()}
    if set(notes) - set(items):
        raise ValidationError({"agenda": _("These agenda items are not this meeting's.")})
    for pk, text in notes.items():
        items[pk].notes = text
    AgendaItem.objects.bulk_update([items[pk] for pk in notes], ["notes"])


@transaction.atomic
def review_meeting_record_attendance(meeting: ReviewMeeting, *, attended: Mapping[int, bool], by: Actor) -> int:
    """Mark who came, by user id. Returns how many attendees were updated."""
    attendees = {a.user_id: a for a in meeting.attendees.select_for_update()}
    unknown = set(attended) - set(attendees)
    if unknown:
        raise ValidationError({"attendees": _("Some of these people were not invited.")})
    for user_id, present in attended.items():
        attendees[user_id].attended = present
    MeetingAttendee.objects.bulk_update([attendees[uid] for uid in attended], ["attended"])
    return len(attended)


@transaction.atomic
def review_meeting_send_invite(meeting: ReviewMeeting, *, by: Actor) -> int:
    """Email the .ics invite to every attendee with an address, through the outbox (stored here, sent and
    retried after commit). Returns the recipient count. Each invite (subject, body and the .ics texts) is
    written in its recipient's language, fixed when it is queued; the times stay UTC."""
    from postmortems.exports import meeting_ics

    meeting = ReviewMeeting.objects.select_for_update().select_related("postmortem__incident").get(pk=meeting.pk)
    users = {a.user.pk: a.user for a in meeting.attendees.select_related("user__preference") if a.user.email}
    recipients = sorted(users.values(), key=lambda user: user.email)
    if not recipients:
        raise ValidationError({"attendees": _("No attendee has an email address.")})
    meeting.invite_sent_at = timezone.now()
    meeting.save(update_fields=["invite_sent_at"])
    incident = meeting.postmortem.incident
    reference = incident.reference
    starts = f"{meeting.starts_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    minutes = int(meeting.duration.total_seconds() // 60)
    invites: dict[str, dict[str, str]] = {}  # one .ics rendering per language
    for user in recipients:
        language = user_language(user)
        with in_language(language):
            if language not in invites:
                invites[language] = {
                    "filename": f"review-{reference}.ics",
                    "content": meeting_ics(meeting).decode(),
                    "mimetype": "text/calendar; method=REQUEST",
                }
            outbox.enqueue(
                target=user,
                subject=_("Post-incident review: %(reference)s") % {"reference": reference},
                body=_("Review of the post-mortem of %(reference)s, %(starts)s, %(minutes)s minutes.")
                % {"reference": reference, "starts": starts, "minutes": minutes},
                attachments=[invites[language]],
                about=incident,
            )
    with in_site_language():
        text = ngettext(
            "Review meeting invite sent to %(count)d attendee",
            "Review meeting invite sent to %(count)d attendees",
            len(recipients),
        ) % {"count": len(recipients)}
    timeline_append(
        meeting.postmortem.incident, kind=TimelineKind.POSTMORTEM, text=text, by=by, data={"meeting": meeting.pk}
    )
    return len(recipients)
