"""Renderings of a post-mortem: Markdown (runbook 4.1), the post-incident communication (3.4),
the review meeting's calendar invite, and spreadsheet-safe CSV. Written in the active language (the
request's for downloads, the recipient's for invites); dates and times stay UTC."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
        return _("None") if target is not None else _("None (best effort)")
    hours = int(target.total_seconds() // 3600) if target else 0
    return ngettext(
        "%(minutes)d minute beyond the %(hours)d-hour resolution target",
        "%(minutes)d minutes beyond the %(hours)d-hour resolution target",
        minutes,
    ) % {"minutes": minutes, "hours": hours}


def _users_affected(postmortem: PostMortem) -> str:
    pct = postmortem.users_affected_pct
    return f"{pct}%" if pct is not None else _("unknown")


def _field(label: str, value: Any) -> str:
    """A Markdown metadata line: `- **Label:** value`."""
    return f"- **{label}:** {value}"


def postmortem_markdown(postmortem: PostMortem) -> str:
    """The post-mortem in the runbook's template (4.1), section by section."""
    incident = postmortem.incident
    severity = incident.severity
    reviewers = ", ".join(_name(u) for u in postmortem.reviewers.all()) or "-"
    minutes = postmortem.duration_minutes
    none = _("None")
    out = [
        "# " + _("Post-Mortem: %(reference)s") % {"reference": incident.reference},
        "",
        "## " + _("Metadata"),
        _field(_("Incident ID"), incident.reference),
        _field(_("Date"), f"{postmortem.date:%Y-%m-%d}"),
        _field(_("Severity"), f"{severity.level} - {severity.name}"),
        _field(_("Duration"), ngettext("%(minutes)d minute", "%(minutes)d minutes", minutes) % {"minutes": minutes}),
        _field(_("Reporter"), _name(postmortem.author)),
        _field(_("Reviewers"), reviewers),
        _field(_("Status"), postmortem.get_status_display()),
        "",
        "## " + _("Summary"),
        postmortem.summary.strip() or incident.title,
        "",
        "## " + _("Timeline"),
        "| " + _("Time (UTC)") + " | " + _("Event") + " |",
        "|-----------|-------|",
    ]
    out += [f"| {entry.at:%Y-%m-%d %H:%M} | {_cell(entry.text)} |" for entry in _kept_timeline(postmortem)]
    out += [
        "",
        "## " + _("Root Cause Analysis"),
        "### " + _("What happened?"),
        postmortem.what_happened.strip() or "-",
        "",
        "### " + _("Why did it happen?"),
    ]
    whys = list(postmortem.whys.all())
    out += [f"{w.position}. **{w.question.strip()}** {w.answer.strip()}".rstrip() for w in whys] or ["-"]
    out += [
        "",
        "### " + _("How did we detect it?"),
        postmortem.detection.strip() or "-",
        "",
        "## " + _("Impact Assessment"),
        _field(_("Users affected"), _users_affected(postmortem)),
        _field(_("Features affected"), ", ".join(_lines(postmortem.features_affected)) or none),
        _field(_("Data impact"), " ".join(postmortem.data_impact.split()) or none),
        _field(_("SLA impact"), _sla_impact(postmortem)),
        "",
        "## " + _("Response Assessment"),
        "### " + _("What went well?"),
        *_numbered(postmortem.went_well),
        "",
        "### " + _("What could have gone better?"),
        *_numbered(postmortem.could_be_better),
        "",
        "### " + _("What did we learn?"),
        *_numbered(postmortem.learned),
        "",
        "## " + _("Action Items"),
        "| "
        + " | ".join(_cell(heading) for heading in (_("ID"), _("Action"), _("Owner"), _("Priority"), _("Due Date")))
        + " |",
        "|----|--------|-------|----------|----------|",
    ]
    out += [
        f"| {n} | {_cell(item.action)} | {_cell(_name(item.owner))} | {item.get_priority_display()} | "
        f"{item.due_date:%Y-%m-%d} |"
        for n, item in enumerate(_sorted_actions(postmortem), start=1)
    ]
    out += ["", "## " + _("Attachments")]
    base = settings.SITE_URL.rstrip("/")
    attachments = [f"- [{a.get_kind_display()}] [{a}]({base}{a.file.url})" for a in postmortem.attachments.all()]
    out += attachments or ["- " + none]
    return "\n".join(out) + "\n"


def communication_draft(postmortem: PostMortem) -> tuple[str, str]:
    """Runbook 3.4, the post-incident communication: (subject, body)."""
    incident = postmortem.incident
    kept = _kept_timeline(postmortem)
    data_loss = " ".join(postmortem.data_impact.split()) or _("None")
    minutes = postmortem.duration_minutes
    body = [
        _("Summary:"),
        postmortem.summary.strip() or incident.title,
        "",
        _("Timeline:"),
        *[f"- {entry.at:%H:%M} - {' '.join(entry.text.split())}" for entry in kept],
        "",
        _("Root Cause:"),
        postmortem.what_happened.strip() or "-",
        "",
        _("Impact:"),
        "- "
        + _("Duration: %(duration)s")
        % {"duration": ngettext("%(minutes)d minute", "%(minutes)d minutes", minutes) % {"minutes": minutes}},
        "- " + _("Users affected: %(users)s") % {"users": _users_affected(postmortem)},
        "- " + _("Data loss: %(data_loss)s") % {"data_loss": data_loss},
        "",
        _("Lessons Learned:"),
        *_numbered(postmortem.learned),
        "",
        _("Action Items:"),
        *[
            f"{n}. {_name(item.owner)} - {item.action} - {item.due_date:%Y-%m-%d}"
            for n, item in enumerate(_sorted_actions(postmortem), start=1)
        ],
    ]
    return _("Post-Incident Review: %(reference)s") % {"reference": incident.reference}, "\n".join(body) + "\n"


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
    event.add(
        "summary",
        _("Post-incident review: %(reference)s %(title)s") % {"reference": incident.reference, "title": incident.title},
    )
    agenda = "\n".join(
        _("%(position)s. %(title)s (%(minutes)s min)")
        % {"position": item.position, "title": item.title, "minutes": item.minutes}
        for item in meeting.agenda.all()
    )
    minutes = int(meeting.duration.total_seconds() // 60)
    heading = ngettext("Agenda (%(minutes)d minute):", "Agenda (%(minutes)d minutes):", minutes) % {"minutes": minutes}
    event.add("description", f"{heading}\n{agenda}")
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
