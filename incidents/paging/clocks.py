"""The runbook's clocks on an incident: acknowledge and resolution deadlines, escalation steps,
public-update reminders and the stakeholder-notification deadline.

plan_incident_timers() runs on every `incidents.hooks.incident_changed` (inside the service's
transaction) and derives the set of clocks an incident should have from its state and
severity, upserts them and cancels the rest; the handlers below decide at fire time, inside the
tick's transaction, what firing means (a timeline entry, notifications, a follow-up timer).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.languages import in_language, in_site_language, site_language, user_language
from incidents.models import Incident, TimelineEntry, TimelineKind
from incidents.outbox import services as outbox
from incidents.outbox.channels import redact_apprise_url
from incidents.paging.models import EscalationPolicy, EscalationStep, StopCondition, format_offset
from incidents.paging.oncall import on_call_user
from incidents.roles import active_members
from incidents.services.lifecycle import CHECKLIST_NOTIFY_STAKEHOLDERS
from incidents.timeline import timeline_append
from incidents.timers.engine import cancel, register_kind, schedule, timers_for
from incidents.timers.models import Timer

ACKNOWLEDGE_DEADLINE = "incident.acknowledge_deadline"
RESOLUTION_DEADLINE = "incident.resolution_deadline"
ESCALATION = "incident.escalation"
UPDATE_REMINDER = "incident.update_reminder"
STAKEHOLDER_DEADLINE = "incident.stakeholder_deadline"
RUNBOOK_KINDS = (ACKNOWLEDGE_DEADLINE, RESOLUTION_DEADLINE, ESCALATION, UPDATE_REMINDER, STAKEHOLDER_DEADLINE)

# A headline is built inside the language of each recipient, so it is a function, not a text.
Headline = Callable[[], str]

# Planning


def plan_incident_timers(incident: Incident, **kwargs: Any) -> None:
    """(Re)plan the incident's clocks after a change (an `incident_changed` receiver, in its transaction)."""
    if not incident.is_open:
        cancel(incident, RUNBOOK_KINDS)
        return
    desired = desired_timers(incident)
    for (kind, step), (due_at, data) in desired.items():
        schedule(subject=incident, kind=kind, step=step, due_at=due_at, data=data)
    stale = [
        timer.pk
        for timer in timers_for(incident).filter(
            kind__in=RUNBOOK_KINDS, fired_at__isnull=True, cancelled_at__isnull=True
        )
        if (timer.kind, timer.step) not in desired
    ]
    if stale:
        Timer.objects.filter(pk__in=stale, fired_at__isnull=True).update(cancelled_at=timezone.now())


def desired_timers(incident: Incident) -> dict[tuple[str, str], tuple[datetime, dict[str, Any]]]:
    severity = incident.severity
    start = incident.started_at
    desired: dict[tuple[str, str], tuple[datetime, dict[str, Any]]] = {}
    if incident.acknowledged_at is None:
        desired[(ACKNOWLEDGE_DEADLINE, "")] = (start + severity.response_target, {"severity": severity.level})
    if severity.resolution_target is not None:
        desired[(RESOLUTION_DEADLINE, "")] = (start + severity.resolution_target, {"severity": severity.level})
    if severity.stakeholder_deadline is not None:
        desired[(STAKEHOLDER_DEADLINE, "")] = (start + severity.stakeholder_deadline, {"severity": severity.level})
    policy = EscalationPolicy.objects.filter(severity=severity).prefetch_related("steps").first()
    if policy is not None:
        for step in policy.steps.all():
            if _stopped(incident, step.stop_condition):
                continue
            desired[(ESCALATION, step.key)] = (
                start + step.offset,
                {"step_id": step.pk, "tier": step.tier, "policy": policy.name, "severity": severity.level},
            )
    reminder = next_update_reminder(incident)
    if reminder is not None:
        reminder_step, due_at, data = reminder
        desired[(UPDATE_REMINDER, reminder_step)] = (due_at, data)
    return desired


def _stopped(incident: Incident, stop_condition: str) -> bool:
    if not incident.is_open:
        return True
    return stop_condition == StopCondition.ACKNOWLEDGED and incident.acknowledged_at is not None


def last_public_update(incident: Incident) -> TimelineEntry | None:
    return (
        TimelineEntry.objects.filter(incident=incident, kind=TimelineKind.STATUS_UPDATE).order_by("-at", "-id").first()
    )


def _anchor(incident: Incident) -> tuple[str, datetime]:
    update = last_public_update(incident)
    if update is None:
        return "declared", incident.declared_at
    return f"update-{update.pk}", update.at


def next_update_reminder(incident: Incident) -> tuple[str, datetime, dict[str, Any]] | None:
    """The next update is due = last public update (or the declaration) + the severity's cadence; the n-th
    reminder of an anchor is due at anchor + n * cadence."""
    cadence = incident.severity.update_cadence
    if cadence is None:
        return None
    anchor_key, anchor_at = _anchor(incident)
    prefix = f"{anchor_key}:"
    fired = [
        int(step.removeprefix(prefix))
        for step in timers_for(incident)
        .filter(kind=UPDATE_REMINDER, step__startswith=prefix, fired_at__isnull=False)
        .values_list("step", flat=True)
    ]
    number = max(fired, default=0) + 1
    return _reminder(anchor_key, anchor_at, number, cadence)


def _reminder(anchor_key: str, anchor_at: datetime, number: int, cadence: timedelta):
    data = {"anchor": anchor_key, "anchor_at": anchor_at.isoformat(), "number": number}
    return f"{anchor_key}:{number}", anchor_at + number * cadence, data


# Firing


def incident_url(incident: Incident) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("admin:incidents_incident_change", args=[incident.pk])


def recipient_language(target: User | str) -> str:
    """A person's chosen language (else the site's); a channel, group or webhook gets the site's."""
    return site_language() if isinstance(target, str) else user_language(target)


def incident_message(incident: Incident, headline: str) -> tuple[str, str]:
    """Subject and body in the shape of the runbook's internal notification (3.1), in the active language
    (callers render it inside `in_language(...)` of the recipient)."""
    severity = incident.severity
    subject = _("[INCIDENT] %(level)s - %(title)s (%(reference)s): %(headline)s") % {
        "level": severity.level,
        "title": incident.title,
        "reference": incident.reference,
        "headline": headline,
    }
    if incident.acknowledged_at:
        acknowledged = _("Acknowledged: %(time)s UTC") % {"time": f"{incident.acknowledged_at:%H:%M}"}
    else:
        acknowledged = _("Acknowledged: not yet")
    lines = [
        headline,
        "",
        _("Incident ID: %(reference)s") % {"reference": incident.reference},
        _("Severity: %(level)s - %(name)s") % {"level": severity.level, "name": severity.name},
        _("Status: %(status)s") % {"status": incident.get_status_display()},
        _("Started: %(time)s UTC") % {"time": f"{incident.started_at:%Y-%m-%d %H:%M}"},
        acknowledged,
        _("Incident Commander: %(commander)s") % {"commander": incident.commander or _("unassigned")},
    ]
    if incident.chat_channel:
        lines.append(_("Slack: %(channel)s") % {"channel": incident.chat_channel})
    lines += ["", incident_url(incident)]
    return subject, "\n".join(lines)


def enqueue_incident_message(
    incident: Incident, targets: list[User | str], headline: Headline, dedupe_key: str
) -> None:
    """One outbox row per target, its text fixed now in the target's language (a user's chosen one, else the
    site's; a channel or URL gets the site's)."""
    for target in targets:
        with in_language(recipient_language(target)):
            subject, body = incident_message(incident, headline())
        outbox.enqueue(target=target, subject=subject, body=body, about=incident, dedupe_key=dedupe_key)


def _append(incident: Incident, kind: str, text: Callable[[], str], timer: Timer, **data: Any) -> None:
    """A timeline entry written in the site's language (the log is shared by everyone)."""
    with in_site_language():
        written = text()
    timeline_append(incident, kind=kind, text=written, data={"timer": timer.pk, "kind": timer.kind, **data})


def _notify(timer: Timer, incident: Incident, targets: list[User | str], headline: Headline) -> int:
    enqueue_incident_message(incident, targets, headline, timer.notification_key)
    return len(targets)


def _outcome(text: Callable[[], str]) -> str:
    """A timer's outcome (shown in the cockpit's Timers panel), in the site's language."""
    with in_site_language():
        return text()


def _commander(incident: Incident) -> list[User | str]:
    return [incident.commander] if incident.commander is not None else []


def fire_acknowledge_deadline(timer: Timer, incident: Incident) -> str:
    if incident.acknowledged_at is not None or not incident.is_open:
        return _outcome(lambda: _("skipped: acknowledged"))
    target = incident.severity.response_target

    def headline() -> str:
        return _("not acknowledged within the response target (%(target)s)") % {"target": format_offset(target)}

    _append(
        incident,
        TimelineKind.TIMER,
        lambda: _("Acknowledge deadline passed: %(headline)s") % {"headline": headline()},
        timer,
    )
    return _notified(_notify(timer, incident, _commander(incident), headline))


def _notified(count: int) -> str:
    return _outcome(lambda: _("notified %(count)s") % {"count": count})


def fire_resolution_deadline(timer: Timer, incident: Incident) -> str:
    if not incident.is_open:
        return _outcome(lambda: _("skipped: resolved"))
    target = incident.severity.resolution_target

    def headline() -> str:
        return _("not resolved within the resolution target (%(target)s)") % {"target": target}

    _append(
        incident,
        TimelineKind.TIMER,
        lambda: _("Resolution deadline passed: %(headline)s") % {"headline": headline()},
        timer,
    )
    return _notified(_notify(timer, incident, _commander(incident), headline))


def stakeholders_notified(incident: Incident) -> bool:
    # By position: the item's label is in the site's language.
    ticked = incident.checklist.filter(position=CHECKLIST_NOTIFY_STAKEHOLDERS, done_at__isnull=False).exists()
    return ticked or incident.timeline.filter(kind=TimelineKind.COMMUNICATION).exists()


def fire_stakeholder_deadline(timer: Timer, incident: Incident) -> str:
    if not incident.is_open or stakeholders_notified(incident):
        return _outcome(lambda: _("skipped: stakeholders notified"))
    deadline = incident.severity.stakeholder_deadline or timedelta(0)
    level = incident.severity.level

    def headline() -> str:
        return _("stakeholders not yet notified (%(level)s: within %(deadline)s)") % {
            "level": level,
            "deadline": format_offset(deadline),
        }

    _append(
        incident,
        TimelineKind.TIMER,
        lambda: _("Stakeholder deadline passed: %(headline)s") % {"headline": headline()},
        timer,
    )
    return _notified(_notify(timer, incident, _commander(incident), headline))


def fire_update_reminder(timer: Timer, incident: Incident) -> str:
    if not incident.is_open:
        return _outcome(lambda: _("skipped: resolved"))
    anchor_key, anchor_at = _anchor(incident)
    if timer.data.get("anchor") != anchor_key:
        return _outcome(lambda: _("skipped: a public update was posted"))
    cadence = incident.severity.update_cadence

    def headline() -> str:
        last = _("none yet") if anchor_key == "declared" else _("%(time)s UTC") % {"time": f"{anchor_at:%H:%M}"}
        every = format_offset(cadence) if cadence else "-"
        return _("public update overdue (last: %(last)s; every %(every)s)") % {"last": last, "every": every}

    _append(incident, TimelineKind.TIMER, lambda: _("Update reminder: %(headline)s") % {"headline": headline()}, timer)
    sent = _notify(timer, incident, _commander(incident), headline)
    if cadence is not None:
        # Repeat while overdue; after an outage, skip the reminders that would all be due at once.
        number = int(timer.data.get("number", 1)) + 1
        now = timezone.now()
        while anchor_at + number * cadence <= now:
            number += 1
        step, due_at, data = _reminder(anchor_key, anchor_at, number, cadence)
        schedule(subject=incident, kind=UPDATE_REMINDER, step=step, due_at=due_at, data=data)
    return _notified(sent)


@dataclass(frozen=True)
class PageTarget:
    """Who a step pages: a user (email) or an Apprise URL, and why (for the preview, in the active language)."""

    target: User | str
    reason: str

    @property
    def label(self) -> str:
        if isinstance(self.target, str):
            return redact_apprise_url(self.target)
        return self.target.get_full_name() or self.target.get_username()


def step_targets(step: EscalationStep, at: datetime | None = None) -> list[PageTarget]:
    """Everyone and everything the step pages at `at`: users, group members, the on-call person, URLs."""
    seen: set[str | tuple[str, int]] = set()
    targets: list[PageTarget] = []

    def add(target: User | str, reason: str) -> None:
        key = target if isinstance(target, str) else ("user", target.pk)
        if key not in seen:
            seen.add(key)
            targets.append(PageTarget(target, reason))

    if step.on_call_rotation is not None:
        person = on_call_user(step.on_call_rotation, at)
        if person is not None:
            add(person, _("on call in %(rotation)s") % {"rotation": step.on_call_rotation})
    for user in step.users.filter(is_active=True).order_by("username"):
        add(user, _("named"))
    for group in step.groups.order_by("name"):
        for user in active_members([group]):
            add(user, _("member of %(group)s") % {"group": group})
    for url in step.apprise_url_list():
        add(url, _("URL"))
    return targets


def fire_escalation(timer: Timer, incident: Incident) -> str:
    step = (
        EscalationStep.objects.select_related("policy", "on_call_rotation").filter(pk=timer.data.get("step_id")).first()
    )
    if step is None:
        return _outcome(lambda: _("skipped: step removed from the policy"))
    if _stopped(incident, step.stop_condition):
        condition = step.get_stop_condition_display()
        return _outcome(lambda: _("skipped: %(condition)s") % {"condition": condition})
    targets = step_targets(step)
    names = {"tier": step.tier, "elapsed": format_offset(step.offset)}
    if not targets:
        _append(
            incident,
            TimelineKind.ESCALATION,
            lambda: _("Escalation to %(tier)s (+%(elapsed)s): nobody to page") % names,
            timer,
        )
        return _outcome(lambda: _("nobody to page"))
    people = ", ".join(target.label for target in targets)
    _append(
        incident,
        TimelineKind.ESCALATION,
        lambda: _("Escalated to %(tier)s (+%(elapsed)s): paging %(names)s") % {**names, "names": people},
        timer,
        tier=step.tier,
        step=step.pk,
    )

    def headline() -> str:
        return _("escalated to %(tier)s (+%(elapsed)s after start)") % names

    paged = _notify(timer, incident, [target.target for target in targets], headline)
    return _outcome(lambda: _("paged %(count)s") % {"count": paged})


def register() -> None:
    """Called from PagingConfig.ready()."""
    register_kind(ACKNOWLEDGE_DEADLINE, fire_acknowledge_deadline, label=gettext_lazy("Acknowledge deadline"))
    register_kind(RESOLUTION_DEADLINE, fire_resolution_deadline, label=gettext_lazy("Resolution deadline"))
    register_kind(ESCALATION, fire_escalation, label=gettext_lazy("Escalation step"))
    register_kind(UPDATE_REMINDER, fire_update_reminder, label=gettext_lazy("Update reminder"))
    register_kind(STAKEHOLDER_DEADLINE, fire_stakeholder_deadline, label=gettext_lazy("Stakeholder deadline"))
