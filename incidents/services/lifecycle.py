"""The incident's lifecycle: references, declare, acknowledge, severity and status moves.

Each function is atomic, locks the incident row, validates the move, writes the timeline entry in the
same transaction and sends the hooks. A refused move raises ValidationError and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import logcontext
from incidents.hooks import incident_changed, incident_closing, incident_resolved
from incidents.languages import in_site_language
from incidents.models import (
    INITIAL_RESPONSE_CHECKLIST,
    ChecklistItem,
    Component,
    DailySequence,
    Incident,
    IncidentStatus,
    SeverityPolicy,
    TimelineKind,
)
from incidents.services.versioning import check_version, count_change
from incidents.severity import ImpactFacts, suggest_severity
from incidents.timeline import Actor, acting_user, timeline_append
from incidents.timezones import zoned_text

# Legal status moves. Resolved incidents may be reopened; closed is final.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    IncidentStatus.INVESTIGATING: (IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING, IncidentStatus.RESOLVED),
    IncidentStatus.IDENTIFIED: (IncidentStatus.INVESTIGATING, IncidentStatus.MONITORING, IncidentStatus.RESOLVED),
    IncidentStatus.MONITORING: (IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED, IncidentStatus.RESOLVED),
    IncidentStatus.RESOLVED: (IncidentStatus.CLOSED, IncidentStatus.INVESTIGATING),
    IncidentStatus.CLOSED: (),
}

# Positions in INITIAL_RESPONSE_CHECKLIST of the items Warroom ticks itself when the action happens, or
# looks for (the stakeholder deadline). Items are found by position: their labels are in the site's language.
CHECKLIST_ACKNOWLEDGE = 1
CHECKLIST_IDENTIFY_SEVERITY = 4
CHECKLIST_BEGIN_LOG = 5
CHECKLIST_NOTIFY_STAKEHOLDERS = 6


def initial_checklist() -> list[str]:
    """The initial-response checklist's labels in the site's language, as each new incident gets them."""
    with in_site_language():
        return [_(label) for label in INITIAL_RESPONSE_CHECKLIST]


STATUS_TIMESTAMP: dict[str, str] = {
    IncidentStatus.IDENTIFIED: "identified_at",
    IncidentStatus.MONITORING: "monitoring_at",
    IncidentStatus.RESOLVED: "resolved_at",
    IncidentStatus.CLOSED: "closed_at",
}


def lock_incident(incident: Incident, *, expected_version: int | None = None) -> Incident:
    """The incident's row, locked until the transaction ends: every write to an incident starts here.
    With `expected_version`, a newer version (someone else's change) is refused with IncidentConflict."""
    locked = Incident.objects.select_for_update().select_related("severity").get(pk=incident.pk)
    logcontext.set_incident(locked.reference)
    check_version(locked, expected_version)
    return locked


def _changed(incident: Incident, change: str) -> None:
    """Tell subscribers (the runbook clocks, the metrics) inside this transaction."""
    incident_changed.send(sender=Incident, incident=incident, change=change)


def next_reference(day: datetime) -> str:
    """INC-YYYY-MM-DD-NNN, the day's next number. Safe under concurrent declares: the counter row's
    UPDATE takes a row lock, so two transactions cannot read the same value."""
    date = day.astimezone(UTC).date()
    with transaction.atomic():
        try:
            with transaction.atomic():
                DailySequence.objects.get_or_create(day=date)
        except IntegrityError:
            pass  # another transaction created today's row first; the update below waits for it
        DailySequence.objects.filter(day=date).update(last=F("last") + 1)
        number = DailySequence.objects.get(day=date).last
    return f"INC-{date:%Y-%m-%d}-{number:03d}"


@transaction.atomic
def incident_declare(
    *,
    title: str,
    severity: SeverityPolicy,
    by: Actor,
    summary: str = "",
    started_at: datetime | None = None,
    detected_at: datetime | None = None,
    components: Iterable[Component] = (),
    users_affected_pct: int | None = None,
    data_impact: bool = False,
    security_breach: bool = False,
    service_down: bool = False,
    core_function_impaired: bool = False,
    severe_degradation: bool = False,
    non_critical_affected: bool = False,
    public: bool = False,
    public_impact_override: str = "",
    commander: User | None = None,
    external_ticket: str = "",
    chat_channel: str = "",
    declared_at: datetime | None = None,
) -> Incident:
    """`declared_at` (default now) records an incident declared earlier, e.g. in another tool: the
    reference, the log's first entry and the clocks count from it."""
    now = timezone.now()
    if declared_at is not None:
        if declared_at > now:
            raise ValidationError({"declared_at": _("An incident cannot be declared in the future.")})
        now = declared_at
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("An incident needs a title.")})
    started_at = started_at or now
    detected_at = detected_at or now
    if started_at > now:
        raise ValidationError({"started_at": _("The start of an incident cannot be in the future.")})
    if detected_at < started_at:
        detected_at = started_at
    if users_affected_pct is not None and not 0 <= users_affected_pct <= 100:
        raise ValidationError({"users_affected_pct": _("Users affected must be between 0 and 100 (%).")})

    reference = next_reference(now)
    incident = Incident(
        reference=reference,
        title=title,
        summary=summary,
        severity=severity,
        started_at=started_at,
        detected_at=detected_at,
        declared_at=now,
        commander=commander if commander is not None else acting_user(by),
        reporter=acting_user(by),
        users_affected_pct=users_affected_pct,
        data_impact=data_impact,
        security_breach=security_breach,
        public=public,
        public_impact_override=public_impact_override,
        external_ticket=external_ticket,
        chat_channel=chat_channel or "#incident-" + reference.removeprefix("INC-").lower(),
        changed_at=now,
        changed_by=acting_user(by),
    )
    incident.full_clean()
    incident.save()
    if components:
        incident.components.set(components)
    # Declaring begins the incident log and sets the severity: those two items are done by the declarer.
    done_at_declare = {CHECKLIST_IDENTIFY_SEVERITY, CHECKLIST_BEGIN_LOG}
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            incident=incident,
            position=position,
            label=label,
            done_at=now if position in done_at_declare else None,
            done_by=acting_user(by) if position in done_at_declare else None,
        )
        for position, label in enumerate(initial_checklist(), start=1)
    )

    facts = ImpactFacts(
        service_down=service_down,
        data_impact=data_impact,
        security_breach=security_breach,
        core_function_impaired=core_function_impaired,
        severe_degradation=severe_degradation,
        non_critical_affected=non_critical_affected,
        users_affected_pct=users_affected_pct,
    )
    with in_site_language():  # the reasons are logged (text and data) in the log's language
        suggestion = suggest_severity(facts)
        text = _("Declared as %(level)s (%(name)s): %(title)s") % {
            "level": severity.level,
            "name": severity.name,
            "title": title,
        }
        if suggestion.level != severity.level:
            text += _(". Suggested %(suggested)s (%(reasons)s); the commander chose %(level)s.") % {
                "suggested": suggestion.level,
                "reasons": "; ".join(suggestion.reasons),
                "level": severity.level,
            }
    timeline_append(
        incident,
        kind=TimelineKind.DECLARED,
        text=text,
        by=by,
        at=now,
        data={
            "severity": severity.level,
            "suggested_severity": suggestion.level,
            "suggestion_reasons": suggestion.reasons,
            "started_at": started_at.isoformat(),
        },
    )
    _changed(incident, "declared")
    return incident


@transaction.atomic
def incident_acknowledge(incident: Incident, *, by: Actor, expected_version: int | None = None) -> Incident:
    incident = lock_incident(incident, expected_version=expected_version)
    if incident.acknowledged_at is not None:
        raise ValidationError(
            _("%(reference)s was already acknowledged at %(time)s.")
            % {"reference": incident.reference, "time": zoned_text(incident.acknowledged_at, "H:i")}
        )
    if not incident.is_open:
        raise ValidationError(
            _("%(reference)s is %(status)s; nothing to acknowledge.")
            % {"reference": incident.reference, "status": incident.get_status_display().lower()}
        )
    now = timezone.now()
    incident.acknowledged_at = now
    incident.acknowledged_by = acting_user(by)
    versioned = count_change(incident, by=by, at=now)
    incident.save(update_fields=["acknowledged_at", "acknowledged_by", "updated_at", *versioned])
    ChecklistItem.objects.filter(incident=incident, position=CHECKLIST_ACKNOWLEDGE, done_at__isnull=True).update(
        done_at=now, done_by=acting_user(by)
    )
    late = now > incident.acknowledge_due_at
    timeline_append(
        incident,
        kind=TimelineKind.ACKNOWLEDGED,
        text=_acknowledged_text(late),
        by=by,
        at=now,
        data={"time_to_acknowledge_seconds": int((now - incident.started_at).total_seconds()), "breached": late},
    )
    _changed(incident, "acknowledged")
    return incident


def _acknowledged_text(late: bool) -> str:
    with in_site_language():
        return _("Acknowledged after the response target") if late else _("Acknowledged within the response target")


@transaction.atomic
def incident_change_severity(
    incident: Incident,
    *,
    severity: SeverityPolicy,
    by: Actor,
    reason: str = "",
    expected_version: int | None = None,
) -> Incident:
    incident = lock_incident(incident, expected_version=expected_version)
    if not incident.is_open:
        raise ValidationError(
            _("%(reference)s is %(status)s; its severity is final.")
            % {"reference": incident.reference, "status": incident.get_status_display().lower()}
        )
    old = incident.severity
    if old.pk == severity.pk:
        raise ValidationError(
            {
                "severity": _("%(reference)s is already %(level)s.")
                % {"reference": incident.reference, "level": severity.level}
            }
        )
    incident.severity = severity
    incident.save(update_fields=["severity", "updated_at", *count_change(incident, by=by)])
    with in_site_language():
        levels = {"old": old.level, "new": severity.level}
        if severity.level < old.level:
            text = _("Upgraded from %(old)s to %(new)s") % levels
        else:
            text = _("Downgraded from %(old)s to %(new)s") % levels
        if reason:
            text = _("%(change)s: %(reason)s") % {"change": text, "reason": reason}
    timeline_append(
        incident, kind=TimelineKind.SEVERITY, text=text, by=by, data={"from": old.level, "to": severity.level}
    )
    _changed(incident, "severity")
    return incident


def legal_moves(incident: Incident) -> tuple[str, ...]:
    return TRANSITIONS[IncidentStatus(incident.status)]


def available_moves(incident: Incident) -> tuple[str, ...]:
    """The legal moves that would be accepted now: closing waits for the closeout's conditions."""
    moves = legal_moves(incident)
    if IncidentStatus.CLOSED in moves:
        try:
            incident_closing.send(sender=Incident, incident=incident)
        except ValidationError:
            return tuple(move for move in moves if move != IncidentStatus.CLOSED)
    return moves


@transaction.atomic
def incident_move_status(
    incident: Incident, *, status: str, by: Actor, note: str = "", expected_version: int | None = None
) -> Incident:
    incident = lock_incident(incident, expected_version=expected_version)
    if status not in IncidentStatus.values:
        raise ValidationError({"status": _("Unknown status %(status)r.") % {"status": status}})
    if status not in legal_moves(incident):
        raise ValidationError(
            {
                "status": _("%(reference)s is %(status)s; it cannot move to %(new_status)s.")
                % {
                    "reference": incident.reference,
                    "status": incident.get_status_display().lower(),
                    "new_status": IncidentStatus(status).label.lower(),
                }
            }
        )
    if status == IncidentStatus.CLOSED:
        incident_closing.send(sender=Incident, incident=incident)  # e.g. a post-mortem must be published
    now = timezone.now()
    old = incident.status
    incident.status = status
    fields = ["status", "updated_at", *count_change(incident, by=by, at=now)]
    if status in STATUS_TIMESTAMP and getattr(incident, STATUS_TIMESTAMP[status]) is None:
        setattr(incident, STATUS_TIMESTAMP[status], now)
        fields.append(STATUS_TIMESTAMP[status])
    if old == IncidentStatus.RESOLVED and status == IncidentStatus.INVESTIGATING:
        incident.resolved_at = None  # reopened: the resolution clock runs again
        fields.append("resolved_at")
    incident.save(update_fields=fields)
    with in_site_language():
        text = _("Status %(old)s → %(new)s") % {
            "old": IncidentStatus(old).label.lower(),
            "new": IncidentStatus(status).label.lower(),
        }
        if note:
            text = _("%(change)s: %(reason)s") % {"change": text, "reason": note}
    timeline_append(
        incident,
        kind=TimelineKind.STATUS,
        text=text,
        by=by,
        at=now,
        data={"from": old, "to": status},
    )
    _changed(incident, "status")
    if status == IncidentStatus.RESOLVED:
        incident_resolved.send(sender=Incident, incident=incident, by=by)
    return incident


def incident_resolve(incident: Incident, *, by: Actor, note: str = "", expected_version: int | None = None) -> Incident:
    return incident_move_status(
        incident, status=IncidentStatus.RESOLVED, by=by, note=note, expected_version=expected_version
    )


def incident_close(incident: Incident, *, by: Actor) -> Incident:
    return incident_move_status(incident, status=IncidentStatus.CLOSED, by=by)
