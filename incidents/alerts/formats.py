"""The three payload shapes, read into one: groups of alerts. Unknown fields and labels are ignored;
a missing or mistyped field raises ValidationError naming it."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from incidents.alerts.models import AlertStatus, IntegrationKind

# Alertmanager sends endsAt as Go's zero time while an alert fires.
_ZERO_TIME_YEAR = 1
_FRACTION = re.compile(r"(\.\d{6})\d+")
HEARTBEAT_ALERTNAMES = frozenset({"Watchdog", "DeadMansSwitch"})


@dataclass
class IncomingAlert:
    fingerprint: str
    status: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: datetime
    ends_at: datetime | None
    generator_url: str = ""

    @property
    def is_heartbeat(self) -> bool:
        return self.labels.get("alertname", "") in HEARTBEAT_ALERTNAMES


@dataclass
class IncomingGroup:
    group_key: str
    title: str
    alerts: list[IncomingAlert] = field(default_factory=list)
    severity_hint: str = ""  # the generic shape's `severity`, matched like a label


def _require(obj: dict[str, Any], name: str, kind: type | tuple[type, ...], where: str = "") -> Any:
    path = f"{where}{name}"
    if name not in obj:
        raise ValidationError({path: _("This field is required.")})
    value = obj[name]
    if not isinstance(value, kind):
        kinds = [kind] if isinstance(kind, type) else list(kind)
        raise ValidationError({path: _("Expected %(kind)s.") % {"kind": _(" or ").join(_kind_name(k) for k in kinds)}})
    return value


def _kind_name(kind: type) -> str:
    names: dict[type, str] = {str: _("a string"), dict: _("an object"), list: _("a list")}
    return names.get(kind, kind.__name__)


def _timestamp(value: Any, path: str) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValidationError({path: _("Expected an RFC 3339 timestamp.")})
    parsed = parse_datetime(_FRACTION.sub(r"\1", value))
    if parsed is None:
        raise ValidationError({path: _("Expected an RFC 3339 timestamp.")})
    if parsed.year == _ZERO_TIME_YEAR:
        return None
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _string_map(value: Any, path: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError({path: _("Expected an object of strings.")})
    return {str(k): str(v) for k, v in value.items()}


def _status(value: Any, path: str) -> str:
    if value not in (AlertStatus.FIRING, AlertStatus.RESOLVED):
        raise ValidationError({path: _("Expected `firing` or `resolved`.")})
    return str(value)


def _link(value: Any) -> str:
    """Only web links are kept: the cockpit renders them as anchors."""
    text = str(value or "")
    return text[:1000] if text.startswith(("http://", "https://")) else ""


def _fingerprint(labels: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]


def _title(annotations: dict[str, str], labels: dict[str, str], fallback: str) -> str:
    title = annotations.get("summary") or labels.get("alertname") or fallback
    return " ".join(title.split())[:200]


def _alerts(body: dict[str, Any]) -> list[IncomingAlert]:
    raw_alerts = _require(body, "alerts", list)
    alerts = []
    for index, raw in enumerate(raw_alerts):
        where = f"alerts[{index}]."
        if not isinstance(raw, dict):
            raise ValidationError({f"alerts[{index}]": _("Expected an object.")})
        labels = _string_map(_require(raw, "labels", dict, where), where + "labels")
        annotations = _string_map(raw.get("annotations"), where + "annotations")
        starts_at = _timestamp(_require(raw, "startsAt", str, where), where + "startsAt")
        if starts_at is None:
            raise ValidationError({where + "startsAt": _("Expected an RFC 3339 timestamp.")})
        ends_at = _timestamp(raw.get("endsAt"), where + "endsAt")
        status = _status(_require(raw, "status", str, where), where + "status")
        fingerprint = raw.get("fingerprint") or _fingerprint(labels)
        alerts.append(
            IncomingAlert(
                fingerprint=str(fingerprint)[:200],
                status=status,
                labels=labels,
                annotations=annotations,
                starts_at=starts_at,
                ends_at=ends_at,
                generator_url=_link(raw.get("generatorURL")),
            )
        )
    return alerts


def read_alertmanager(body: dict[str, Any]) -> list[IncomingGroup]:
    """Alertmanager's webhook payload, version 4: one group per payload."""
    _status(_require(body, "status", str), "status")
    group_key = _require(body, "groupKey", str)
    alerts = _alerts(body)
    common = _string_map(body.get("commonAnnotations"), "commonAnnotations")
    labels = _string_map(body.get("commonLabels"), "commonLabels")
    summaries = [common.get("summary", "")] + [alert.annotations.get("summary", "") for alert in alerts]
    title = next((text for text in summaries if text.strip()), "")
    title = " ".join(title.split())[:200] or _title({}, labels, "") or group_key[:200]
    return [IncomingGroup(group_key=group_key[:500], title=title, alerts=alerts)]


def read_grafana(body: dict[str, Any]) -> list[IncomingGroup]:
    """Grafana's unified-alerting webhook: Alertmanager's shape plus title, state, orgId, message."""
    groups = read_alertmanager(body)
    title = body.get("title")
    has_summary = any(alert.annotations.get("summary") for alert in groups[0].alerts)
    if isinstance(title, str) and title.strip() and not has_summary:
        groups[0].title = " ".join(title.split())[:200]
    org = body.get("orgId")
    if org is not None:
        groups[0].group_key = f"{org}:{groups[0].group_key}"[:500]
    return groups


def read_generic(body: dict[str, Any]) -> list[IncomingGroup]:
    """`{title, status, dedup_key, severity?, source?, details?, links?}`: one alert, its own group."""
    title = _require(body, "title", str).strip()
    if not title:
        raise ValidationError({"title": _("This field may not be blank.")})
    status = _status(_require(body, "status", str), "status")
    dedup_key = _require(body, "dedup_key", str).strip()
    if not dedup_key:
        raise ValidationError({"dedup_key": _("This field may not be blank.")})
    severity = body.get("severity") or ""
    if not isinstance(severity, str):
        raise ValidationError({"severity": _("Expected a string.")})
    details = body.get("details") or {}
    if not isinstance(details, dict):
        raise ValidationError({"details": _("Expected an object.")})
    links = body.get("links") or []
    if not isinstance(links, list) or not all(isinstance(link, str) for link in links):
        raise ValidationError({"links": _("Expected a list of URLs.")})
    source = str(body.get("source") or "")
    labels = {"source": source, "severity": severity} if source else {"severity": severity}
    annotations = {"summary": title, **{str(k): str(v) for k, v in details.items()}}
    alert = IncomingAlert(
        fingerprint=dedup_key[:200],
        status=status,
        labels={k: v for k, v in labels.items() if v},
        annotations=annotations,
        starts_at=timezone.now(),
        ends_at=None,
        generator_url=_link(links[0] if links else ""),
    )
    return [IncomingGroup(group_key=dedup_key[:500], title=title[:200], alerts=[alert], severity_hint=severity)]


READERS = {
    IntegrationKind.ALERTMANAGER: read_alertmanager,
    IntegrationKind.GRAFANA: read_grafana,
    IntegrationKind.GENERIC: read_generic,
}


def read(endpoint: str, raw: bytes) -> list[IncomingGroup]:
    # PostgreSQL stores no NUL character in text or jsonb: refused here, not as a database error.
    if b"\x00" in raw or b"\\u0000" in raw:
        raise ValidationError({"body": _("NUL characters are not accepted.")})
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise ValidationError({"body": _("Malformed JSON: %(error)s") % {"error": error}}) from error
    if not isinstance(body, dict):
        raise ValidationError({"body": _("Expected a JSON object.")})
    return READERS[IntegrationKind(endpoint)](body)
