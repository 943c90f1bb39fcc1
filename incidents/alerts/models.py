"""Monitoring integrations (Alertmanager, Grafana, generic webhooks), the alert groups they opened
incidents for, and every payload received, kept raw with its outcome."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.models import Incident, SeverityPolicy


class IntegrationKind(models.TextChoices):
    ALERTMANAGER = "alertmanager", gettext_lazy("Prometheus Alertmanager")
    GRAFANA = "grafana", gettext_lazy("Grafana alerting")
    GENERIC = "generic", gettext_lazy("Generic webhook")


class ResolvedAction(models.TextChoices):
    MONITORING = "monitoring", gettext_lazy("Move the incident to monitoring")
    RESOLVE = "resolve", gettext_lazy("Resolve the incident")


class Integration(models.Model):
    """A monitoring source allowed to declare, update and resolve incidents."""

    name = models.CharField(gettext_lazy("name"), max_length=100, unique=True)
    kind = models.CharField(
        gettext_lazy("kind"), max_length=16, choices=IntegrationKind.choices, default=IntegrationKind.ALERTMANAGER
    )
    # Only a SHA-256 of the secret key is stored; the key itself is shown once, on creation or rotation.
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_hint = models.CharField(
        gettext_lazy("key hint"), max_length=8, editable=False, help_text=gettext_lazy("The key's first characters.")
    )
    active = models.BooleanField(
        gettext_lazy("active"), default=True, help_text=gettext_lazy("A revoked integration's key answers 404.")
    )
    default_severity = models.ForeignKey(
        SeverityPolicy, on_delete=models.PROTECT, related_name="+", verbose_name=gettext_lazy("default severity")
    )
    severity_rules = models.TextField(
        gettext_lazy("severity rules"),
        blank=True,
        help_text=gettext_lazy("One per line, label=value: level, e.g. `severity=critical: P1`. First match wins."),
    )
    component_rules = models.TextField(
        gettext_lazy("component rules"),
        blank=True,
        help_text=gettext_lazy("One per line, label=value: component name, e.g. `service=checkout: Checkout`."),
    )
    public = models.BooleanField(
        gettext_lazy("public"), default=False, help_text=gettext_lazy("Its incidents show on the public status page.")
    )
    dedupe_window = models.DurationField(
        gettext_lazy("dedupe window"),
        default=timedelta(hours=1),
        help_text=gettext_lazy("A group firing again within this time after it resolved reopens its incident."),
    )
    on_resolved = models.CharField(
        gettext_lazy("when resolved"),
        max_length=12,
        choices=ResolvedAction.choices,
        default=ResolvedAction.MONITORING,
    )
    max_incidents_per_hour = models.PositiveIntegerField(
        gettext_lazy("max incidents per hour"),
        default=20,
        help_text=gettext_lazy("Past this many new incidents in an hour, alerts attach to one alert storm incident."),
    )
    heartbeat_minutes = models.PositiveIntegerField(
        gettext_lazy("heartbeat minutes"),
        null=True,
        blank=True,
        help_text=gettext_lazy("Expect a payload at least this often; empty means no heartbeat."),
    )
    # Bumped each time silence is declared, so the next payload arms a fresh heartbeat timer.
    heartbeat_epoch = models.PositiveIntegerField(default=0, editable=False)
    last_payload_at = models.DateTimeField(gettext_lazy("last payload at"), null=True, blank=True, editable=False)
    silent_incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    storm_incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(gettext_lazy("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = gettext_lazy("integration")
        verbose_name_plural = gettext_lazy("integrations")

    def __str__(self) -> str:
        return self.name


class AlertGroup(models.Model):
    """One incident per alert group (Alertmanager's groupKey, Grafana's groupKey, a generic dedup_key)."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="groups")
    group_key = models.CharField(max_length=500)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="alert_groups")
    # False when the group was attached to the integration's alert storm incident.
    declared = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["integration", "group_key", "-id"], name="alerts_group_lookup")]
        verbose_name = gettext_lazy("alert group")
        verbose_name_plural = gettext_lazy("alert groups")

    def __str__(self) -> str:
        return self.group_key


class AlertStatus(models.TextChoices):
    FIRING = "firing", gettext_lazy("Firing")
    RESOLVED = "resolved", gettext_lazy("Resolved")


class Alert(models.Model):
    group = models.ForeignKey(AlertGroup, on_delete=models.CASCADE, related_name="alerts")
    fingerprint = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=AlertStatus.choices)
    labels = models.JSONField(default=dict)
    annotations = models.JSONField(default=dict)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    generator_url = models.URLField(max_length=1000, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [models.UniqueConstraint(fields=["group", "fingerprint"], name="alerts_alert_once_per_group")]
        verbose_name = gettext_lazy("alert")
        verbose_name_plural = gettext_lazy("alerts")

    def __str__(self) -> str:
        return self.labels.get("alertname", self.fingerprint)


class Outcome(models.TextChoices):
    DECLARED = "declared", gettext_lazy("Declared")
    ATTACHED = "attached", gettext_lazy("Attached")
    RESOLVED = "resolved", gettext_lazy("Resolved")
    IGNORED = "ignored", gettext_lazy("Ignored")
    REJECTED = "rejected", gettext_lazy("Rejected")


class Payload(models.Model):
    """Every payload received with a valid key, raw, with what Warroom did with it."""

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="payloads", verbose_name=gettext_lazy("integration")
    )
    endpoint = models.CharField(gettext_lazy("endpoint"), max_length=16, choices=IntegrationKind.choices)
    received_at = models.DateTimeField(gettext_lazy("received at"), default=timezone.now, db_index=True)
    body = models.TextField(gettext_lazy("body"))
    digest = models.CharField(gettext_lazy("digest"), max_length=64, db_index=True)
    outcome = models.CharField(gettext_lazy("outcome"), max_length=10, choices=Outcome.choices)
    detail = models.TextField(gettext_lazy("detail"), blank=True)
    incidents = models.ManyToManyField(Incident, blank=True, related_name="+", verbose_name=gettext_lazy("incidents"))

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = gettext_lazy("payload")
        verbose_name_plural = gettext_lazy("payloads")

    def __str__(self) -> str:
        return _("%(outcome)s at %(time)s") % {
            "outcome": self.get_outcome_display(),
            "time": f"{self.received_at:%Y-%m-%d %H:%M:%S}",
        }
