"""The live incident: severities, components, incidents, their timeline and checklist."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class PublicImpact(models.TextChoices):
    NONE = "none", "None"
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"
    CRITICAL = "critical", "Critical"


class SeverityPolicy(models.Model):
    """A severity level of runbook section 1, with the clocks it starts."""

    level = models.CharField(
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^P[1-9]$", "Use P1, P2, ... as the level.")],
        help_text="P1 is the most severe.",
    )
    name = models.CharField(max_length=60, help_text="e.g. Critical (Service Down)")
    criteria = models.TextField(blank=True, help_text="When this severity applies, one criterion per line.")
    response_target = models.DurationField(help_text="Time to acknowledge.")
    resolution_target = models.DurationField(null=True, blank=True, help_text="Empty means best effort.")
    update_cadence = models.DurationField(
        null=True, blank=True, help_text="How often a public update is due while open; empty means none."
    )
    stakeholder_deadline = models.DurationField(
        null=True, blank=True, help_text="Stakeholders must be notified within this time; empty means no duty."
    )
    public_impact = models.CharField(
        max_length=10, choices=PublicImpact.choices, help_text="Status page impact of incidents of this severity."
    )
    colour = models.CharField(
        max_length=7,
        default="#6b7280",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a hex colour such as #dc2626.")],
    )
    requires_postmortem = models.BooleanField(default=False)
    postmortem_due_after = models.DurationField(
        null=True,
        blank=True,
        help_text="The post-mortem is due this long after resolution (e.g. 24:00:00); empty means no deadline.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["level"]
        verbose_name = "severity policy"
        verbose_name_plural = "severity policies"

    def __str__(self) -> str:
        return f"{self.level} - {self.name}"


class ComponentStatus(models.TextChoices):
    OPERATIONAL = "operational", "Operational"
    DEGRADED_PERFORMANCE = "degraded_performance", "Degraded performance"
    PARTIAL_OUTAGE = "partial_outage", "Partial outage"
    MAJOR_OUTAGE = "major_outage", "Major outage"
    UNDER_MAINTENANCE = "under_maintenance", "Under maintenance"


def new_public_id() -> str:
    """A short random id for public URLs: it says nothing about references or counts."""
    return secrets.token_hex(6)


def status_page_url() -> str:
    return settings.STATUS_PAGE_URL.rstrip("/")


def shortlink(public_id: str) -> str:
    """The public page of an incident or a maintenance on the status page."""
    return f"{status_page_url()}/incidents/{public_id}"


class Component(models.Model):
    """A service shown on the status page."""

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    group = models.CharField(max_length=100, blank=True, help_text="Components with the same group show together.")
    position = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=24, choices=ComponentStatus.choices, default=ComponentStatus.OPERATIONAL)
    uptime_enabled = models.BooleanField(
        "show uptime", default=True, help_text="Show 90 days of uptime bars for it on the status page."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["group", "position", "name"]

    def __str__(self) -> str:
        return self.name


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", "Investigating"
    IDENTIFIED = "identified", "Identified"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = (IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING)


class DailySequence(models.Model):
    """Last number handed out per UTC day, for INC-YYYY-MM-DD-NNN references."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class Incident(models.Model):
    reference = models.CharField(max_length=24, unique=True, editable=False)
    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    severity = models.ForeignKey(SeverityPolicy, on_delete=models.PROTECT, related_name="incidents")
    status = models.CharField(max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.INVESTIGATING)

    started_at = models.DateTimeField(help_text="When the problem began (may precede detection).")
    detected_at = models.DateTimeField()
    declared_at = models.DateTimeField(default=timezone.now, editable=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    identified_at = models.DateTimeField(null=True, blank=True)
    monitoring_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic concurrency: every change of the incident's state (status, severity, acknowledgement,
    # details, components, public updates) adds one, so a form or API call made from an older version
    # is refused instead of overwriting what someone else did. Notes and checklist ticks do not count.
    version = models.PositiveIntegerField(default=1, editable=False)
    changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    commander = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="commanded_incidents"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="reported_incidents"
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The incident's roles (runbook: commander, communications lead, scribe, responders). The single-holder
    # roles are plain foreign keys: the cockpit, the list and the API read them in the incident's own query.
    communications_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scribe = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responders = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="responded_incidents")
    components = models.ManyToManyField(Component, blank=True, related_name="incidents")

    users_affected_pct = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        verbose_name="users affected (%)",
    )
    data_impact = models.BooleanField(default=False, help_text="Data loss or corruption.")
    security_breach = models.BooleanField(default=False)
    public = models.BooleanField(default=False, help_text="Show on the public status page.")
    public_impact_override = models.CharField(
        max_length=10, choices=PublicImpact.choices, blank=True, help_text="Empty: derived from the severity."
    )
    external_ticket = models.CharField(max_length=300, blank=True, help_text="PagerDuty/Opsgenie id or URL.")
    chat_channel = models.CharField(max_length=80, blank=True, help_text="e.g. #incident-2026-11-27-001")

    # The version fields are bookkeeping, not content: a historical copy (e.g. a revert) carries the current ones.
    history = HistoricalRecords(excluded_fields=["updated_at", "version", "changed_at", "changed_by"])

    class Meta:
        ordering = ["-declared_at"]
        indexes = [
            models.Index(fields=["status", "-declared_at"]),
            models.Index(fields=["-started_at"]),
        ]
        permissions = [("command_incident", "Can run incidents (acknowledge, transition, resolve, close)")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def clean(self) -> None:
        if self.started_at and self.detected_at and self.detected_at < self.started_at:
            raise ValidationError({"detected_at": "Detection cannot precede the start of the incident."})

    # Derived clocks: computed from timestamps and the severity policy, never stored by hand.
    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def public_impact(self) -> str:
        return self.public_impact_override or self.severity.public_impact

    @property
    def acknowledge_due_at(self) -> datetime:
        return self.started_at + self.severity.response_target

    @property
    def resolve_due_at(self) -> datetime | None:
        target = self.severity.resolution_target
        return self.started_at + target if target is not None else None

    def _now_or(self, moment: datetime | None) -> datetime:
        return moment if moment is not None else timezone.now()

    @property
    def acknowledge_breached(self) -> bool:
        return self._now_or(self.acknowledged_at) > self.acknowledge_due_at

    @property
    def resolve_breached(self) -> bool:
        due = self.resolve_due_at
        return due is not None and self._now_or(self.resolved_at) > due

    @property
    def breached(self) -> bool:
        return self.acknowledge_breached or self.resolve_breached

    @property
    def time_to_acknowledge(self) -> timedelta | None:
        return self.acknowledged_at - self.started_at if self.acknowledged_at else None

    @property
    def time_to_resolve(self) -> timedelta | None:
        return self.resolved_at - self.started_at if self.resolved_at else None

    @property
    def duration(self) -> timedelta:
        """Start to resolution, or to now while the incident is open."""
        return self._now_or(self.resolved_at) - self.started_at

    @property
    def next_sla_deadline(self) -> tuple[str, datetime] | None:
        """The clock that matters now: acknowledge until acknowledged, then resolve."""
        if not self.is_open:
            return None
        if self.acknowledged_at is None:
            return ("acknowledge", self.acknowledge_due_at)
        due = self.resolve_due_at
        return ("resolve", due) if due is not None else None


class TimelineKind(models.TextChoices):
    DECLARED = "declared", "Declared"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    STATUS = "status", "Status change"
    SEVERITY = "severity", "Severity change"
    NOTE = "note", "Note"
    CHECKLIST = "checklist", "Checklist"
    ESCALATION = "escalation", "Escalation"
    NOTIFICATION = "notification", "Notification"
    COMMUNICATION = "communication", "Communication"
    STATUS_UPDATE = "status_update", "Public status update"
    TIMER = "timer", "Timer"
    EDIT = "edit", "Edit"
    POSTMORTEM = "postmortem", "Post-mortem"
    ROLE = "role", "Role change"
    PAGE = "page", "Page"


class TimelineEntry(models.Model):
    """The incident log. Append-only: entries are never edited or deleted."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=20, choices=TimelineKind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    text = models.TextField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "timeline entries"
        # The cockpit reads an incident's latest entries (and the largest id) whatever the log's length.
        indexes = [
            models.Index(fields=["incident", "-at", "-id"], name="timeline_incident_latest"),
            models.Index(fields=["incident", "-id"], name="timeline_incident_last_id"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%H:%M} {self.get_kind_display()}: {self.text}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError("Timeline entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[override]
        raise ValidationError("Timeline entries are append-only.")


# Runbook 2.1, the initial-response checklist created with every incident.
INITIAL_RESPONSE_CHECKLIST = (
    "Acknowledge incident (within SLA)",
    "Create incident ticket (PagerDuty/Opsgenie)",
    "Join/create incident Slack channel",
    "Identify severity level",
    "Begin incident log",
    "Notify stakeholders if P1/P2",
)


class ChecklistItem(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="checklist")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=200)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["incident", "position"]
        constraints = [models.UniqueConstraint(fields=["incident", "position"], name="checklist_unique_position")]

    def __str__(self) -> str:
        return self.label

    @property
    def done(self) -> bool:
        return self.done_at is not None


def validate_time_zone_name(value: str) -> None:
    """An IANA zone name this Python knows (zoneinfo), e.g. Europe/Rome."""
    from zoneinfo import available_timezones

    if value not in available_timezones():
        raise ValidationError(
            "“%(value)s” is not a known time zone; use an IANA name such as Europe/Rome.",
            code="invalid_time_zone",
            params={"value": value},
        )


def default_time_zone() -> str:
    return settings.TIME_ZONE


class UserPreference(models.Model):
    """How one admin user reads Warroom: the time zone times are shown in, and their language."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference")
    time_zone = models.CharField(
        max_length=64,
        default=default_time_zone,
        validators=[validate_time_zone_name],
        help_text="IANA name, e.g. Europe/Rome or America/New_York. Times in the admin are shown in it.",
    )
    language = models.CharField(
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text="Empty: the browser's language.",
    )

    def __str__(self) -> str:
        return f"Preferences of {self.user}"
