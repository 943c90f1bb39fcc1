"""Integrations and alert intake: payloads become incidents through the core services.

Each payload is one transaction with the integration's row locked, so payloads of one integration are
applied one after another (the storm ceiling and group lookups see each other's work). Alerts are
stored per group and fingerprint, and only a change of state writes to the incident: a repeated
payload changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from incidents.alerts import formats
from incidents.alerts.keys import key_digest, new_key
from incidents.alerts.models import (
    Alert,
    AlertGroup,
    AlertStatus,
    Integration,
    Outcome,
    Payload,
    ResolvedAction,
)
from incidents.alerts.rules import all_matches, first_match, parse_rules
from incidents.models import Component, Incident, IncidentStatus, SeverityPolicy, TimelineKind
from incidents.outbox import services as outbox
from incidents.services.lifecycle import incident_declare, incident_move_status, legal_moves, lock_incident
from incidents.timeline import timeline_append
from incidents.timers import engine as timers

MAX_PAYLOAD_BYTES = 1024 * 1024
HEARTBEAT_KIND = "alerts.heartbeat_lost"
STORM_WINDOW = timedelta(hours=1)


# Integrations


def endpoint_url(integration: Integration) -> str:
    """The webhook URL for the integration's kind, the key sent as `Authorization: Bearer`."""
    path = reverse("alerts-webhook-bearer", kwargs={"endpoint": integration.kind})
    return settings.SITE_URL.rstrip("/") + path


def key_url(integration: Integration, key: str) -> str:
    """The webhook URL with the key as a path segment, for senders that cannot set headers."""
    path = reverse("alerts-webhook", kwargs={"key": key, "endpoint": integration.kind})
    return settings.SITE_URL.rstrip("/") + path


def validate_rules(*, severity_rules: str, component_rules: str) -> None:
    for _label, _value, level in parse_rules(severity_rules, "severity_rules"):
        if not SeverityPolicy.objects.filter(level=level).exists():
            raise ValidationError({"severity_rules": f"No severity {level!r}."})
    for _label, _value, name in parse_rules(component_rules, "component_rules"):
        if not Component.objects.filter(name=name).exists():
            raise ValidationError({"component_rules": f"No component named {name!r}."})


@transaction.atomic
def integration_save(integration: Integration) -> str | None:
    """Create or update an integration. A new one gets its secret key, returned here and never stored
    (only its SHA-256), so it can be shown once. Re-arms the heartbeat."""
    key = None
    if integration.pk is None:
        key = new_key()
        integration.key_hash, integration.key_hint = key_digest(key), key[:6]
    integration.full_clean()
    validate_rules(severity_rules=integration.severity_rules, component_rules=integration.component_rules)
    integration.save()
    arm_heartbeat(integration)
    return key


def integration_create(*, name: str, default_severity: SeverityPolicy, **fields: Any) -> tuple[Integration, str]:
    """Returns the integration and its secret key, which is not stored and cannot be shown again."""
    integration = Integration(name=name, default_severity=default_severity, **fields)
    key = integration_save(integration)
    assert key is not None
    return integration, key


@transaction.atomic
def integration_rotate_key(integration: Integration) -> str:
    """A new key; the old one stops working at once."""
    key = new_key()
    Integration.objects.filter(pk=integration.pk).update(key_hash=key_digest(key), key_hint=key[:6])
    integration.key_hash, integration.key_hint = key_digest(key), key[:6]
    return key


# Intake


@dataclass
class Received:
    payload: Payload
    errors: dict[str, list[str]] = field(default_factory=dict)


def receive(integration: Integration, *, endpoint: str, raw: bytes) -> Received:
    """Store the payload with its outcome and apply it. A malformed payload is stored as rejected."""
    now = timezone.now()
    digest = hashlib.sha256(raw).hexdigest()
    body = raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")  # audit text PostgreSQL can store
    try:
        groups = formats.read(endpoint, raw)
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {"body": error.messages}
        detail = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in errors.items())
        with transaction.atomic():
            payload = _store_payload(integration, endpoint, now, body, digest, Outcome.REJECTED, detail)
            _heard_from(Integration.objects.select_for_update().get(pk=integration.pk), now)
        return Received(payload=payload, errors=errors)
    with transaction.atomic():
        locked = Integration.objects.select_for_update().select_related("default_severity").get(pk=integration.pk)
        _heard_from(locked, now)
        results = [_apply_group(locked, group, now) for group in groups]
        payload = _record(locked, endpoint=endpoint, now=now, body=body, digest=digest, results=results)
    return Received(payload=payload)


@dataclass
class GroupResult:
    outcome: str
    detail: str
    incident: Incident | None = None


# Outcomes of a payload with several groups: the most consequential names the payload.
_RANK: list[str] = [Outcome.DECLARED, Outcome.RESOLVED, Outcome.ATTACHED, Outcome.IGNORED]


def _store_payload(
    integration: Integration, endpoint: str, now: datetime, body: str, digest: str, outcome: str, detail: str
) -> Payload:
    """The audit row of one received payload, whatever became of it."""
    return Payload.objects.create(
        integration=integration,
        endpoint=endpoint,
        received_at=now,
        body=body,
        digest=digest,
        outcome=outcome,
        detail=detail,
    )


def _record(
    integration: Integration, *, endpoint: str, now: datetime, body: str, digest: str, results: list[GroupResult]
) -> Payload:
    outcome = min((r.outcome for r in results), key=_RANK.index, default=Outcome.IGNORED)
    detail = "; ".join(r.detail for r in results) or "no alerts"
    payload = _store_payload(integration, endpoint, now, body, digest, outcome, detail[:2000])
    incidents = {r.incident.pk for r in results if r.incident is not None}
    if incidents:
        payload.incidents.set(incidents)
    return payload


def _apply_group(integration: Integration, group: formats.IncomingGroup, now: datetime) -> GroupResult:
    alerts = [alert for alert in group.alerts if not alert.is_heartbeat]
    if not alerts:
        return GroupResult(Outcome.IGNORED, "ignored: heartbeat" if group.alerts else "ignored: no alerts")
    group.alerts = alerts
    firing = any(alert.status == AlertStatus.FIRING for alert in alerts)
    existing = (
        AlertGroup.objects.filter(integration=integration, group_key=group.group_key)
        .select_related("incident")
        .order_by("-id")
        .first()
    )
    if existing is None:
        if not firing:
            return GroupResult(Outcome.IGNORED, f"ignored: {group.group_key} resolved, no incident was open for it")
        return _open(integration, group, now)

    incident = lock_incident(existing.incident)
    if incident.status == IncidentStatus.CLOSED:
        if firing:  # a person closed it: never reopened, a new incident instead
            return _open(integration, group, now, note=f"{incident.reference} was closed")
        return GroupResult(Outcome.IGNORED, f"ignored: {incident.reference} is closed", incident)

    changes = _store_alerts(existing, alerts, now)
    settled_at = existing.resolved_at or (incident.resolved_at if incident.status == IncidentStatus.RESOLVED else None)
    if settled_at is not None and firing:
        if now - settled_at > integration.dedupe_window:
            return _open(integration, group, now, note=f"{incident.reference} resolved more than the dedupe window ago")
        existing.resolved_at = None
        existing.save(update_fields=["resolved_at"])
        _log(incident, integration, "Firing again: " + _describe(changes), changes)
        if incident.status in (IncidentStatus.MONITORING, IncidentStatus.RESOLVED):
            incident_move_status(incident, status=IncidentStatus.INVESTIGATING, by=None, note="the alert fires again")
        return GroupResult(Outcome.ATTACHED, f"reopened {incident.reference}", incident)
    if not changes:
        return GroupResult(Outcome.IGNORED, f"ignored: nothing changed in {incident.reference}", incident)
    if existing.resolved_at is None and not existing.alerts.filter(status=AlertStatus.FIRING).exists():
        return _resolve_group(integration, existing, incident, changes, now)
    _log(incident, integration, _describe(changes), changes)
    if not existing.declared and incident.commander_id is not None:
        _tell_commander(incident, f"{integration.name}: {_describe(changes)}", key=f"alerts-storm-{existing.pk}")
    return GroupResult(Outcome.ATTACHED, f"attached to {incident.reference}", incident)


def _resolve_group(
    integration: Integration, group: AlertGroup, incident: Incident, changes: list[str], now: datetime
) -> GroupResult:
    group.resolved_at = now
    group.save(update_fields=["resolved_at"])
    _log(incident, integration, "All alerts resolved: " + _describe(changes), changes)
    if not group.declared:  # one group of an alert storm: the storm incident is left to people
        return GroupResult(Outcome.RESOLVED, f"{group.group_key} resolved in {incident.reference}", incident)
    target = IncidentStatus.RESOLVED if integration.on_resolved == ResolvedAction.RESOLVE else IncidentStatus.MONITORING
    if incident.status != target and target in legal_moves(incident):
        incident_move_status(incident, status=target, by=None, note=f"all alerts of {integration.name} resolved")
    return GroupResult(Outcome.RESOLVED, f"resolved: {incident.reference} → {target}", incident)


def _open(integration: Integration, group: formats.IncomingGroup, now: datetime, note: str = "") -> GroupResult:
    """A new incident for the group, unless the integration is past its ceiling: then the storm incident."""
    declared_lately = AlertGroup.objects.filter(
        integration=integration, declared=True, created_at__gt=now - STORM_WINDOW
    ).count()
    if declared_lately >= integration.max_incidents_per_hour:
        return _attach_to_storm(integration, group, now)
    labels = [alert.labels for alert in group.alerts]
    level = first_match(parse_rules(integration.severity_rules, "severity_rules"), labels)
    severity = (SeverityPolicy.objects.filter(level=level).first() if level else None) or integration.default_severity
    names = all_matches(parse_rules(integration.component_rules, "component_rules"), labels)
    started_at = min(min(alert.starts_at for alert in group.alerts), now)
    summary = "\n".join(
        sorted({text for alert in group.alerts for text in [alert.annotations.get("description", "")] if text})
    )
    incident = incident_declare(
        title=group.title,
        severity=severity,
        by=None,
        summary=summary,
        started_at=started_at,
        detected_at=started_at,
        components=Component.objects.filter(name__in=names) if names else (),
        public=integration.public,
    )
    alert_group = AlertGroup.objects.create(
        integration=integration, group_key=group.group_key, incident=incident, created_at=now
    )
    changes = _store_alerts(alert_group, group.alerts, now)
    _log(incident, integration, f"Declared from {integration.name}: " + _describe(changes), changes)
    detail = f"declared {incident.reference}" + (f" ({note})" if note else "")
    return GroupResult(Outcome.DECLARED, detail, incident)


def _attach_to_storm(integration: Integration, group: formats.IncomingGroup, now: datetime) -> GroupResult:
    storm = integration.storm_incident
    if storm is None or not storm.is_open:
        storm = incident_declare(
            title=f"Alert storm: {integration.name}",
            severity=integration.default_severity,
            by=None,
            summary=f"More than {integration.max_incidents_per_hour} new incidents from {integration.name} in an "
            "hour; further alert groups attach here.",
            public=False,
        )
        integration.storm_incident = storm
        integration.save(update_fields=["storm_incident"])
    alert_group = AlertGroup.objects.create(
        integration=integration, group_key=group.group_key, incident=storm, declared=False, created_at=now
    )
    changes = _store_alerts(alert_group, group.alerts, now)
    text = f"Alert group {group.title!r} attached (storm ceiling reached): " + _describe(changes)
    _log(storm, integration, text, changes)
    if storm.commander_id is not None:
        _tell_commander(storm, f"{integration.name}: {text}", key=f"alerts-storm-{alert_group.pk}")
    return GroupResult(Outcome.ATTACHED, f"attached to alert storm {storm.reference}", storm)


def _tell_commander(incident: Incident, text: str, *, key: str) -> None:
    assert incident.commander is not None
    outbox.enqueue(
        target=incident.commander,
        subject=f"{incident.reference}: {text}"[:300],
        body=text,
        about=incident,
        dedupe_key=key,
    )


def _store_alerts(group: AlertGroup, alerts: list[formats.IncomingAlert], now: datetime) -> list[str]:
    """Upsert the group's alerts; returns one line per change of state (new, resolved, firing again)."""
    stored = {alert.fingerprint: alert for alert in group.alerts.all()}
    changes, new, updated = [], [], []
    for incoming in alerts:
        name = incoming.labels.get("alertname") or incoming.annotations.get("summary") or incoming.fingerprint
        current = stored.get(incoming.fingerprint)
        if current is None:
            new.append(
                Alert(
                    group=group,
                    fingerprint=incoming.fingerprint,
                    status=incoming.status,
                    labels=incoming.labels,
                    annotations=incoming.annotations,
                    starts_at=incoming.starts_at,
                    ends_at=incoming.ends_at,
                    generator_url=incoming.generator_url,
                    updated_at=now,
                )
            )
            stored[incoming.fingerprint] = new[-1]
            changes.append(f"{name} {incoming.status}")
        elif current.status != incoming.status or current.starts_at != incoming.starts_at:
            current.status, current.starts_at, current.ends_at = incoming.status, incoming.starts_at, incoming.ends_at
            current.labels, current.annotations = incoming.labels, incoming.annotations
            current.generator_url, current.updated_at = incoming.generator_url, now
            updated.append(current)
            changes.append(f"{name} {incoming.status}")
    Alert.objects.bulk_create(new)
    if updated:
        Alert.objects.bulk_update(
            updated, ["status", "starts_at", "ends_at", "labels", "annotations", "generator_url", "updated_at"]
        )
    return changes


def _describe(changes: list[str]) -> str:
    if len(changes) > 5:
        return ", ".join(changes[:5]) + f" and {len(changes) - 5} more"
    return ", ".join(changes) or "no change"


def _log(incident: Incident, integration: Integration, text: str, changes: list[str]) -> None:
    timeline_append(
        incident,
        kind=TimelineKind.NOTE,
        text=f"{integration.name}: {text}",
        by=None,
        data={"integration": integration.pk, "changes": changes[:50]},
    )


# Heartbeat: a silent monitoring stack is an incident


def _heard_from(integration: Integration, now: datetime) -> None:
    """Any payload counts as a heartbeat: re-arm the timer, and resolve a silence that was declared."""
    integration.last_payload_at = now
    integration.save(update_fields=["last_payload_at"])
    if integration.heartbeat_minutes:
        timers.schedule(
            subject=integration,
            kind=HEARTBEAT_KIND,
            step=str(integration.heartbeat_epoch),
            due_at=now + timedelta(minutes=integration.heartbeat_minutes),
        )
    silent = integration.silent_incident
    if silent is not None:
        integration.silent_incident = None
        integration.save(update_fields=["silent_incident"])
        silent = lock_incident(silent)
        if silent.is_open:
            timeline_append(silent, kind=TimelineKind.NOTE, text=f"{integration.name}: payloads received again.")
            incident_move_status(silent, status=IncidentStatus.RESOLVED, by=None, note="monitoring is heard again")


def heartbeat_lost(timer: Any, integration: Integration) -> str | None:
    """Timer handler: no payload for `heartbeat_minutes`."""
    if not integration.active or not integration.heartbeat_minutes:
        return "skipped: no heartbeat expected"
    if integration.silent_incident is not None and integration.silent_incident.is_open:
        return f"skipped: {integration.silent_incident.reference} is open"
    incident = incident_declare(
        title=f"Monitoring is silent: {integration.name}",
        severity=integration.default_severity,
        by=None,
        summary=f"No payload from {integration.name} since "
        + (f"{integration.last_payload_at:%Y-%m-%d %H:%M} UTC" if integration.last_payload_at else "it was created")
        + f"; one was expected every {integration.heartbeat_minutes} minutes.",
    )
    integration.silent_incident = incident
    integration.heartbeat_epoch += 1
    integration.save(update_fields=["silent_incident", "heartbeat_epoch"])
    return f"declared {incident.reference}"


def arm_heartbeat(integration: Integration) -> None:
    """After creating or editing an integration: expect its first payload within the interval."""
    if integration.heartbeat_minutes and integration.active:
        since = integration.last_payload_at or timezone.now()
        timers.schedule(
            subject=integration,
            kind=HEARTBEAT_KIND,
            step=str(integration.heartbeat_epoch),
            due_at=since + timedelta(minutes=integration.heartbeat_minutes),
        )
    else:
        timers.cancel(integration, kinds=[HEARTBEAT_KIND])


# Audit


def replay(payload: Payload) -> Received:
    """Apply a stored payload again, as if it had just arrived (a new audit row records the outcome)."""
    return receive(payload.integration, endpoint=payload.endpoint, raw=payload.body.encode())


def purge_payloads(*, now: datetime | None = None) -> int:
    """Delete payloads older than ALERT_PAYLOAD_RETENTION_DAYS."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ALERT_PAYLOAD_RETENTION_DAYS)
    _, per_model = Payload.objects.filter(received_at__lt=cutoff).delete()
    return per_model.get(Payload._meta.label, 0)


def send_test_alert(integration: Integration) -> Received:
    """A firing alert shaped like the integration's kind, sent through the normal intake."""
    now = timezone.now()
    key = f"warroom-test-{integration.pk}-{now:%Y%m%d%H%M%S}"
    if integration.kind == "generic":
        body: dict[str, Any] = {"title": f"Test alert from {integration.name}", "status": "firing", "dedup_key": key}
    else:
        body = {
            "version": "4",
            "status": "firing",
            "groupKey": key,
            "commonLabels": {"alertname": "WarroomTestAlert"},
            "commonAnnotations": {"summary": f"Test alert from {integration.name}"},
            "alerts": [
                {
                    "status": "firing",
                    "labels": {"alertname": "WarroomTestAlert"},
                    "annotations": {"summary": f"Test alert from {integration.name}"},
                    "startsAt": now.isoformat(),
                    "endsAt": "0001-01-01T00:00:00Z",
                    "fingerprint": key,
                }
            ],
        }
    return receive(integration, endpoint=integration.kind, raw=json.dumps(body).encode())
