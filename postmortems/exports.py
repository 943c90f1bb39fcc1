"""Renderings of a post-mortem: Markdown (runbook 4.1), the post-incident communication (3.4),
the review meeting's calendar invite, and spreadsheet-safe CSV."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from postmortems.models import ActionItem, PostMortem, ReviewMeeting


def postmortem_for_export(pk: int) -> PostMortem:
    """Everything an export reads, in a fixed number of queries."""
    return (
        PostMortem.objects.select_related("incident__severity", "author")
        .prefetch_related("reviewers", "whys", "attachments", "timeline", "action_items__owner")
        .get(pk=pk)
    )


def _name(user: Any) -> str:
    if user is None:
        return "-"
    return user.get_full_name() or user.get_username()


def _cell(text: Any) -> str:
    """One Markdown table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _lines(text: str) -> list[str]:
    return [line.strip().lstrip("-*").strip() for line in text.splitlines() if line.strip()]


def _numbered(text: str) -> list[str]:
    lines = _lines(text)
    return [f"{n}. {line}" for n, line in enumerate(lines, start=1)] if lines else ["1. "]


def _kept_timeline(postmortem: PostMortem) -> list[Any]:
    return sorted((e for e in postmortem.timeline.all() if e.included), key=lambda e: (e.at, e.pk))


def _sorted_actions(postmortem: PostMortem) -> list[ActionItem]:
    order = {"high": 0, "medium": 1, "low": 2}
    return sorted(postmortem.action_items.all(), key=lambda i: (order.get(i.priority, 3), i.due_date, i.pk))


def _sla_impact(postmortem: PostMortem) -> str:
    minutes = postmortem.sla_impact_minutes
    target = postmortem.incident.severity.resolution_target
    if minutes == 0:
        return "None" if target is not None else "None (best effort)"
    hours = int(target.total_seconds() // 3600) if target else 0
    return f"{minutes} minutes beyond the {hours}-hour resolution target"


def postmortem_markdown(postmortem: PostMortem) -> str:
    """The post-mortem in the runbook's template (4.1), section by section."""
    incident = postmortem.incident
    severity = incident.severity
    reviewers = ", ".join(_name(u) for u in postmortem.reviewers.all()) or "-"
    out = [
        f"# Post-Mortem: {incident.reference}",
        "",
        "## Metadata",
        f"- **Incident ID:** {incident.reference}",
        f"- **Date:** {postmortem.date:%Y-%m-%d}",
        f"- **Severity:** {severity.level} - {severity.name}",
        f"- **Duration:** {postmortem.duration_minutes} minutes",
        f"- **Reporter:** {_name(postmortem.author)}",
        f"- **Reviewers:** {reviewers}",
        f"- **Status:** {postmortem.get_status_display()}",
        "",
        "## Summary",
        postmortem.summary.strip() or incident.title,
        "",
        "## Timeline",
        "| Time (UTC) | Event |",
        "|-----------|-------|",
    ]
    out += [f"| {entry.at:%Y-%m-%d %H:%M} | {_cell(entry.text)} |" for entry in _kept_timeline(postmortem)]
    out += [
        "",
        "## Root Cause Analysis",
        "### What happened?",
        postmortem.what_happened.strip() or "-",
        "",
        "### Why did it happen?",
    ]
    whys = list(postmortem.whys.all())
    out += [f"{w.position}. **{w.question.strip()}** {w.answer.strip()}".rstrip() for w in whys] or ["-"]
    out += [
        "",
        "### How did we detect it?",
        postmortem.detection.strip() or "-",
        "",
        "## Impact Assessment",
        "- **Users affected:** "
        + (f"{postmortem.users_affected_pct}%" if postmortem.users_affected_pct is not None else "unknown"),
        "- **Features affected:** " + (", ".join(_lines(postmortem.features_affected)) or "None"),
        "- **Data impact:** " + (" ".join(postmortem.data_impact.split()) or "None"),
        f"- **SLA impact:** {_sla_impact(postmortem)}",
        "",
        "## Response Assessment",
        "### What went well?",
        *_numbered(postmortem.went_well),
        "",
        "### What could have gone better?",
        *_numbered(postmortem.could_be_better),
        "",
        "### What did we learn?",
        *_numbered(postmortem.learned),
        "",
        "## Action Items",
        "| ID | Action | Owner | Priority | Due Date |",
        "|----|--------|-------|----------|----------|",
    ]
    out += [
        f"| {n} | {_cell(item.action)} | {_cell(_name(item.owner))} | {item.get_priority_display()} | "
        f"{item.due_date:%Y-%m-%d} |"
        for n, item in enumerate(_sorted_actions(postmortem), start=1)
    ]
    out += ["", "## Attachments"]
    base = settings.SITE_URL.rstrip("/")
    attachments = [f"- [{a.get_kind_display()}] [{a}]({base}{a.file.url})" for a in postmortem.attachments.all()]
    out += attachments or ["- None"]
    return "\n".join(out) + "\n"


def communication_draft(postmortem: PostMortem) -> tuple[str, str]:
    """Runbook 3.4, the post-incident communication: (subject, body)."""
    incident = postmortem.incident
    kept = _kept_timeline(postmortem)
    data_loss = " ".join(postmortem.data_impact.split()) or "None"
    body = [
        "Summary:",
        postmortem.summary.strip() or incident.title,
        "",
        "Timeline:",
        *[f"- {entry.at:%H:%M} - {' '.join(entry.text.split())}" for entry in kept],
        "",
        "Root Cause:",
        postmortem.what_happened.strip() or "-",
        "",
        "Impact:",
        f"- Duration: {postmortem.duration_minutes} minutes",
        "- Users affected: "
        + (f"{postmortem.users_affected_pct}%" if postmortem.users_affected_pct is not None else "unknown"),
        f"- Data loss: {data_loss}",
        "",
        "Lessons Learned:",
        *_numbered(postmortem.learned),
        "",
        "Action Items:",
        *[
            f"{n}. {_name(item.owner)} - {item.action} - {item.due_date:%Y-%m-%d}"
            for n, item in enumerate(_sorted_actions(postmortem), start=1)
        ],
    ]
    return f"Post-Incident Review: {incident.reference}", "\n".join(body) + "\n"


def meeting_ics(meeting: ReviewMeeting) -> bytes:
    """An iCalendar REQUEST for the review, with every attendee (optional roles as OPT-PARTICIPANT)."""
    from icalendar import Calendar, Event, vCalAddress, vText

    incident = meeting.postmortem.incident
    calendar = Calendar()
    calendar.add("prodid", "-//Warroom//Post-incident review//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event()
    event.add("uid", f"{meeting.uid}@warroom")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", meeting.created_at)
    event.add("dtstart", meeting.starts_at)
    event.add("duration", meeting.duration)
    event.add("summary", f"Post-incident review: {incident.reference} {incident.title}")
    agenda = "\n".join(f"{item.position}. {item.title} ({item.minutes} min)" for item in meeting.agenda.all())
    event.add("description", f"Agenda ({int(meeting.duration.total_seconds() // 60)} minutes):\n{agenda}")
    if meeting.location:
        event.add("location", meeting.location)
    organizer = meeting.created_by
    if organizer is not None and organizer.email:
        event.add("organizer", vCalAddress(f"mailto:{organizer.email}"))
    for attendee in meeting.attendees.all():
        email = attendee.user.email or f"{attendee.user.get_username()}@invalid"
        address = vCalAddress(f"mailto:{email}")
        address.params["cn"] = vText(_name(attendee.user))
        address.params["role"] = vText("OPT-PARTICIPANT" if attendee.optional else "REQ-PARTICIPANT")
        address.params["partstat"] = vText("NEEDS-ACTION")
        address.params["rsvp"] = vText("TRUE")
        event.add("attendee", address, encode=False)
    calendar.add_component(event)
    return calendar.to_ical()
