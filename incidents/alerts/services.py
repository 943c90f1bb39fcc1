"""Integrations and alert intake: payloads become incidents through the core services.

Each payload is one transaction with the integration's row locked, so payloads of one integration are
applied one after another (the storm ceiling and group lookups see each other's work). Alerts are
stored per group and fingerprint, and only a change of state writes to the incident: a repeated
payload changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
from incidents.languages import in_language, in_site_language, user_language
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
            raise ValidationError({"severity_rules": _("No severity %(level)s.") % {"level": repr(level)}})
    for _label, _value, name in parse_rules(component_rules, "component_rules"):
        if not Component.objects.filter(name=name).exists():
            raise ValidationError({"component_rules": _("No component named %(name)s.") % {"name": repr(name)}})


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
    """Store the payload with its outcome and apply it. A malformed payload is stored as rejected.

    What it writes for people (the payload's detail, timeline entries, incident titles) is in the site's
    language, whoever sent it; a message to the commander is in theirs."""
    with in_site_language():
        return _receive(integration, endpoint=endpoint, raw=raw)


def _receive(integration: Integration, *, endpoint: str, raw: bytes) -> Received:
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
    detail = "; ".join(r.detail for r in results) or _("no alerts")
    payload = _store_payload(integration, endpoint, now, body, digest, outcome, detail[:2000])
    incidents = {r.incident.pk for r in results if r.incident is not None}
    if incidents:
        payload.incidents.set(incidents)
    return payload


def _apply_group(integration: Integration, group: formats.IncomingGroup, now: datetime) -> GroupResult:
    alerts = [alert for alert in group.alerts if not alert.is_heartbeat]
    if not alerts:
        return GroupResult(Outcome.IGNORED, _("ignored: heartbeat") if group.alerts else _("ignored: no alerts"))
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
            return GroupResult(
                Outcome.IGNORED,
                _("ignored: %(group)s resolved, no incident was open for it") % {"group": group.group_key},
            )
        return _open(integration, group, now)

    incident = lock_incident(existing.incident)
    if incident.status == IncidentStatus.CLOSED:
        if firing:  # a person closed it: never reopened, a new incident instead
            return _open(
                integration, group, now, note=_("%(reference)s was closed") % {"reference": incident.reference}
            )
        return GroupResult(
            Outcome.IGNORED, _("ignored: %(reference)s is closed") % {"reference": incident.reference}, incident
        )

    changes = _store_alerts(existing, alerts, now)
    settled_at = existing.resolved_at or (incident.resolved_at if incident.status == IncidentStatus.RESOLVED else None)
    if settled_at is not None and firing:
        if now - settled_at > integration.dedupe_window:
            note = _("%(reference)s resolved more than the dedupe window ago") % {"reference": incident.reference}
            return _open(integration, group, now, note=note)
        existing.resolved_at = None
        existing.save(update_fields=["resolved_at"])
        _log(incident, integration, _("Firing again: %(changes)s") % {"changes": _describe(changes)}, changes)
        if incident.status in (IncidentStatus.MONITORING, IncidentStatus.RESOLVED):
            incident_move_status(
                incident, status=IncidentStatus.INVESTIGATING, by=None, note=_("the alert fires again")
            )
        return GroupResult(Outcome.ATTACHED, _("reopened %(reference)s") % {"reference": incident.reference}, incident)
    if not changes:
        return GroupResult(
            Outcome.IGNORED,
            _("ignored: nothing changed in %(reference)s") % {"reference": incident.reference},
            incident,
        )
    if existing.resolved_at is None and not existing.alerts.filter(status=AlertStatus.FIRING).exists():
        return _resolve_group(integration, existing, incident, changes, now)
    _log(incident, integration, _describe(changes), changes)
    if not existing.declared and incident.commander_id is not None:
        name = integration.name
        _tell_commander(incident, lambda: f"{name}: {_describe(changes)}", key=f"alerts-storm-{existing.pk}")
    return GroupResult(Outcome.ATTACHED, _("attached to %(reference)s") % {"reference": incident.reference}, incident)


def _resolve_group(
    integration: Integration, group: AlertGroup, incident: Incident, changes: list[str], now: datetime
) -> GroupResult:
    group.resolved_at = now
    group.save(update_fields=["resolved_at"])
    _log(incident, integration, _("All alerts resolved: %(changes)s") % {"changes": _describe(changes)}, changes)
    if not group.declared:  # one group of an alert storm: the storm incident is left to people
        return GroupResult(
            Outcome.RESOLVED,
            _("%(group)s resolved in %(reference)s") % {"group": group.group_key, "reference": incident.reference},
            incident,
        )
    target = IncidentStatus.RESOLVED if integration.on_resolved == ResolvedAction.RESOLVE else IncidentStatus.MONITORING
    if incident.status != target and target in legal_moves(incident):
        incident_move_status(
            incident, status=target, by=None, note=_("all alerts of %(name)s resolved") % {"name": integration.name}
        )
    return GroupResult(
        Outcome.RESOLVED,
        _("resolved: %(reference)s → %(status)s") % {"reference": incident.reference, "status": target.label},
        incident,
    )


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
    _log(
        incident,
        integration,
        _("Declared from %(name)s: %(changes)s") % {"name": integration.name, "changes": _describe(changes)},
        changes,
    )
    detail = _("declared %(reference)s") % {"reference": incident.reference} + (f" ({note})" if note else "")
    return GroupResult(Outcome.DECLARED, detail, incident)


def _attach_to_storm(integration: Integration, group: formats.IncomingGroup, now: datetime) -> GroupResult:
    storm = integration.storm_incident
    if storm is None or not storm.is_open:
        storm = incident_declare(
            title=_("Alert storm: %(name)s") % {"name": integration.name},
            severity=integration.default_severity,
            by=None,
            summary=_("More than %(count)s new incidents from %(name)s in an hour; further alert groups attach here.")
            % {"count": integration.max_incidents_per_hour, "name": integration.name},
            public=False,
        )
        integration.storm_incident = storm
        integration.save(update_fields=["storm_incident"])
    alert_group = AlertGroup.objects.create(
        integration=integration, group_key=group.group_key, incident=storm, declared=False, created_at=now
    )
    changes = _store_alerts(alert_group, group.alerts, now)

    def text() -> str:
        return _("Alert group %(title)s attached (storm ceiling reached): %(changes)s") % {
            "title": repr(group.title),
            "changes": _describe(changes),
        }

    _log(storm, integration, text(), changes)
    if storm.commander_id is not None:
        name = integration.name
        _tell_commander(storm, lambda: f"{name}: {text()}", key=f"alerts-storm-{alert_group.pk}")
    return GroupResult(
        Outcome.ATTACHED, _("attached to alert storm %(reference)s") % {"reference": storm.reference}, storm
    )


def _tell_commander(incident: Incident, text: Callable[[], str], *, key: str) -> None:
    """A message to the commander, written in their language."""
    assert incident.commander is not None
    with in_language(user_language(incident.commander)):
        body = text()
    outbox.enqueue(
        target=incident.commander,
        subject=f"{incident.reference}: {body}"[:300],
        body=body,
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
        more = len(changes) - 5
        return ngettext("%(changes)s and %(count)s more", "%(changes)s and %(count)s more", more) % {
            "changes": ", ".join(changes[:5]),
            "count": more,
        }
    return ", ".join(changes) or _("no change")


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
            text = _("%(name)s: payloads received again.") % {"name": integration.name}
            timeline_append(silent, kind=TimelineKind.NOTE, text=text)
            incident_move_status(silent, status=IncidentStatus.RESOLVED, by=None, note=_("monitoring is heard again"))


def heartbeat_lost(timer: Any, integration: Integration) -> str | None:
    """Timer handler: no payload for `heartbeat_minutes`. Writes in the site's language."""
    with in_site_language():
        return _heartbeat_lost(integration)


def _heartbeat_lost(integration: Integration) -> str | None:
    if not integration.active or not integration.heartbeat_minutes:
        return _("skipped: no heartbeat expected")
    if integration.silent_incident is not None and integration.silent_incident.is_open:
        return _("skipped: %(reference)s is open") % {"reference": integration.silent_incident.reference}
    values = {"name": integration.name, "minutes": integration.heartbeat_minutes}
    if integration.last_payload_at:
        summary = _("No payload from %(name)s since %(time)s UTC; one was expected every %(minutes)s minutes.") % {
            **values,
            "time": f"{integration.last_payload_at:%Y-%m-%d %H:%M}",
        }
    else:
        summary = (
            _("No payload from %(name)s since it was created; one was expected every %(minutes)s minutes.") % values
        )
    incident = incident_declare(
        title=_("Monitoring is silent: %(name)s") % {"name": integration.name},
        severity=integration.default_severity,
        by=None,
        summary=summary,
    )
    integration.silent_incident = incident
    integration.heartbeat_epoch += 1
    integration.save(update_fields=["silent_incident", "heartbeat_epoch"])
    return _("declared %(reference)s") % {"reference": incident.reference}


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
    _count, per_model = Payload.objects.filter(received_at__lt=cutoff).delete()
    return per_model.get(Payload._meta.label, 0)


def send_test_alert(integration: Integration) -> Received:
    """A firing alert shaped like the integration's kind, sent through the normal intake."""
    now = timezone.now()
    key = f"warroom-test-{integration.pk}-{now:%Y%m%d%H%M%S}"
    if integration.kind == "generic":
        body: dict[str, Any] = {"title": _test_title(integration), "status": "firing", "dedup_key": key}
    else:
        body = {
            "version": "4",
            "status": "firing",
            "groupKey": key,
            "commonLabels": {"alertname": "WarroomTestAlert"},
            "commonAnnotations": {"summary": _test_title(integration)},
            "alerts": [
                {
                    "status": "firing",
                    "labels": {"alertname": "WarroomTestAlert"},
                    "annotations": {"summary": _test_title(integration)},
                    "startsAt": now.isoformat(),
                    "endsAt": "0001-01-01T00:00:00Z",
                    "fingerprint": key,
                }
            ],
        }
    return receive(integration, endpoint=integration.kind, raw=json.dumps(body).encode())


def _test_title(integration: Integration) -> str:
    """The test alert's title (it becomes an incident's title): in the site's language."""
    with in_site_language():
        return _("Test alert from %(name)s") % {"name": integration.name}
