"""The runbook's clocks on an incident: acknowledge and resolution deadlines, escalation steps,
public-update reminders and the stakeholder-notification deadline.

plan_incident_timers() runs on every `incidents.hooks.incident_changed` (inside the service's
transaction) and derives the set of clocks an incident should have from its state and
severity, upserts them and cancels the rest; the handlers below decide at fire time, inside the
tick's transaction, what firing means (a timeline entry, notifications, a follow-up timer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

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


def incident_message(incident: Incident, headline: str) -> tuple[str, str]:
    """Subject and body in the shape of the runbook's internal notification (3.1)."""
    severity = incident.severity
    subject = f"[INCIDENT] {severity.level} - {incident.title} ({incident.reference}): {headline}"
    lines = [
        headline,
        "",
        f"Incident ID: {incident.reference}",
        f"Severity: {severity.level} - {severity.name}",
        f"Status: {incident.get_status_display()}",
        f"Started: {incident.started_at:%Y-%m-%d %H:%M} UTC",
        f"Acknowledged: {incident.acknowledged_at:%H:%M} UTC" if incident.acknowledged_at else "Acknowledged: not yet",
        f"Incident Commander: {incident.commander or 'unassigned'}",
    ]
    if incident.chat_channel:
        lines.append(f"Slack: {incident.chat_channel}")
    lines += ["", incident_url(incident)]
    return subject, "\n".join(lines)


def _append(incident: Incident, kind: str, text: str, timer: Timer, **data: Any) -> None:
    timeline_append(incident, kind=kind, text=text, data={"timer": timer.pk, "kind": timer.kind, **data})


def _notify(timer: Timer, incident: Incident, targets: list[User | str], headline: str) -> int:
    subject, body = incident_message(incident, headline)
    for target in targets:
        outbox.enqueue(target=target, subject=subject, body=body, about=incident, dedupe_key=timer.notification_key)
    return len(targets)


def _commander(incident: Incident) -> list[User | str]:
    return [incident.commander] if incident.commander is not None else []


def fire_acknowledge_deadline(timer: Timer, incident: Incident) -> str:
    if incident.acknowledged_at is not None or not incident.is_open:
        return "skipped: acknowledged"
    target = incident.severity.response_target
    headline = f"not acknowledged within the response target ({format_offset(target)})"
    _append(incident, TimelineKind.TIMER, f"Acknowledge deadline passed: {headline}", timer)
    return f"notified {_notify(timer, incident, _commander(incident), headline)}"


def fire_resolution_deadline(timer: Timer, incident: Incident) -> str:
    if not incident.is_open:
        return "skipped: resolved"
    headline = f"not resolved within the resolution target ({incident.severity.resolution_target})"
    _append(incident, TimelineKind.TIMER, f"Resolution deadline passed: {headline}", timer)
    return f"notified {_notify(timer, incident, _commander(incident), headline)}"


def stakeholders_notified(incident: Incident) -> bool:
    # By position: the item's label is in the site's language.
    ticked = incident.checklist.filter(position=CHECKLIST_NOTIFY_STAKEHOLDERS, done_at__isnull=False).exists()
    return ticked or incident.timeline.filter(kind=TimelineKind.COMMUNICATION).exists()


def fire_stakeholder_deadline(timer: Timer, incident: Incident) -> str:
    if not incident.is_open or stakeholders_notified(incident):
        return "skipped: stakeholders notified"
    deadline = incident.severity.stakeholder_deadline or timedelta(0)
    headline = f"stakeholders not yet notified ({incident.severity.level}: within {format_offset(deadline)})"
    _append(incident, TimelineKind.TIMER, f"Stakeholder deadline passed: {headline}", timer)
    return f"notified {_notify(timer, incident, _commander(incident), headline)}"


def fire_update_reminder(timer: Timer, incident: Incident) -> str:
    if not incident.is_open:
        return "skipped: resolved"
    anchor_key, anchor_at = _anchor(incident)
    if timer.data.get("anchor") != anchor_key:
        return "skipped: a public update was posted"
    cadence = incident.severity.update_cadence
    last = "none yet" if anchor_key == "declared" else f"{anchor_at:%H:%M} UTC"
    headline = f"public update overdue (last: {last}; every {format_offset(cadence) if cadence else '-'})"
    _append(incident, TimelineKind.TIMER, f"Update reminder: {headline}", timer)
    sent = _notify(timer, incident, _commander(incident), headline)
    if cadence is not None:
        # Repeat while overdue; after an outage, skip the reminders that would all be due at once.
        number = int(timer.data.get("number", 1)) + 1
        now = timezone.now()
        while anchor_at + number * cadence <= now:
            number += 1
        step, due_at, data = _reminder(anchor_key, anchor_at, number, cadence)
        schedule(subject=incident, kind=UPDATE_REMINDER, step=step, due_at=due_at, data=data)
    return f"notified {sent}"


@dataclass(frozen=True)
class PageTarget:
    """Who a step pages: a user (email) or an Apprise URL, and why (for the preview)."""

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
            add(person, f"on call in {step.on_call_rotation}")
    for user in step.users.filter(is_active=True).order_by("username"):
        add(user, "named")
    for group in step.groups.order_by("name"):
        for user in active_members([group]):
            add(user, f"member of {group}")
    for url in step.apprise_url_list():
        add(url, "URL")
    return targets


def fire_escalation(timer: Timer, incident: Incident) -> str:
    step = (
        EscalationStep.objects.select_related("policy", "on_call_rotation").filter(pk=timer.data.get("step_id")).first()
    )
    if step is None:
        return "skipped: step removed from the policy"
    if _stopped(incident, step.stop_condition):
        return f"skipped: {step.stop_condition}"
    targets = step_targets(step)
    elapsed = format_offset(step.offset)
    if not targets:
        _append(incident, TimelineKind.ESCALATION, f"Escalation to {step.tier} (+{elapsed}): nobody to page", timer)
        return "nobody to page"
    names = ", ".join(target.label for target in targets)
    _append(
        incident,
        TimelineKind.ESCALATION,
        f"Escalated to {step.tier} (+{elapsed}): paging {names}",
        timer,
        tier=step.tier,
        step=step.pk,
    )
    headline = f"escalated to {step.tier} (+{elapsed} after start)"
    return f"paged {_notify(timer, incident, [target.target for target in targets], headline)}"


def register() -> None:
    """Called from PagingConfig.ready()."""
    register_kind(ACKNOWLEDGE_DEADLINE, fire_acknowledge_deadline, label="Acknowledge deadline")
    register_kind(RESOLUTION_DEADLINE, fire_resolution_deadline, label="Resolution deadline")
    register_kind(ESCALATION, fire_escalation, label="Escalation step")
    register_kind(UPDATE_REMINDER, fire_update_reminder, label="Update reminder")
    register_kind(STAKEHOLDER_DEADLINE, fire_stakeholder_deadline, label="Stakeholder deadline")
