"""The live incident: severities, components, incidents, their timeline and checklist."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class PublicImpact(models.TextChoices):
    NONE = "none", _("None")
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")


class SeverityPolicy(models.Model):
    """A severity level of runbook section 1, with the clocks it starts."""

    level = models.CharField(
        _("level"),
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^P[1-9]$", _("Use P1, P2, ... as the level."))],
        help_text=_("P1 is the most severe."),
    )
    name = models.CharField(_("name"), max_length=60, help_text=_("e.g. Critical (Service Down)"))
    criteria = models.TextField(
        _("criteria"), blank=True, help_text=_("When this severity applies, one criterion per line.")
    )
    response_target = models.DurationField(_("response target"), help_text=_("Time to acknowledge."))
    resolution_target = models.DurationField(
        _("resolution target"), null=True, blank=True, help_text=_("Empty means best effort.")
    )
    update_cadence = models.DurationField(
        _("update cadence"),
        null=True,
        blank=True,
        help_text=_("How often a public update is due while open; empty means none."),
    )
    stakeholder_deadline = models.DurationField(
        _("stakeholder deadline"),
        null=True,
        blank=True,
        help_text=_("Stakeholders must be notified within this time; empty means no duty."),
    )
    public_impact = models.CharField(
        _("public impact"),
        max_length=10,
        choices=PublicImpact.choices,
        help_text=_("Status page impact of incidents of this severity."),
    )
    colour = models.CharField(
        _("colour"),
        max_length=7,
        default="#6b7280",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a hex colour such as #dc2626."))],
    )
    requires_postmortem = models.BooleanField(_("requires a post-mortem"), default=False)
    postmortem_due_after = models.DurationField(
        _("post-mortem due after"),
        null=True,
        blank=True,
        help_text=_("The post-mortem is due this long after resolution (e.g. 24:00:00); empty means no deadline."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["level"]
        verbose_name = _("severity policy")
        verbose_name_plural = _("severity policies")

    def __str__(self) -> str:
        return f"{self.level} - {self.name}"


class ComponentStatus(models.TextChoices):
    OPERATIONAL = "operational", _("Operational")
    DEGRADED_PERFORMANCE = "degraded_performance", _("Degraded performance")
    PARTIAL_OUTAGE = "partial_outage", _("Partial outage")
    MAJOR_OUTAGE = "major_outage", _("Major outage")
    UNDER_MAINTENANCE = "under_maintenance", _("Under maintenance")


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
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    group = models.CharField(
        _("group"), max_length=100, blank=True, help_text=_("Components with the same group show together.")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    status = models.CharField(
        _("status"), max_length=24, choices=ComponentStatus.choices, default=ComponentStatus.OPERATIONAL
    )
    uptime_enabled = models.BooleanField(
        _("show uptime"), default=True, help_text=_("Show 90 days of uptime bars for it on the status page.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["group", "position", "name"]
        verbose_name = _("component")
        verbose_name_plural = _("components")

    def __str__(self) -> str:
        return self.name


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", _("Investigating")
    IDENTIFIED = "identified", _("Identified")
    MONITORING = "monitoring", _("Monitoring")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING)


class DailySequence(models.Model):
    """Last number handed out per UTC day, for INC-YYYY-MM-DD-NNN references."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class Incident(models.Model):
    reference = models.CharField(_("reference"), max_length=24, unique=True, editable=False)
    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    severity = models.ForeignKey(
        SeverityPolicy, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("severity")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.INVESTIGATING
    )

    started_at = models.DateTimeField(_("started at"), help_text=_("When the problem began (may precede detection)."))
    detected_at = models.DateTimeField(_("detected at"))
    declared_at = models.DateTimeField(_("declared at"), default=timezone.now, editable=False)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    identified_at = models.DateTimeField(_("identified at"), null=True, blank=True)
    monitoring_at = models.DateTimeField(_("monitoring at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Optimistic concurrency: every change of the incident's state (status, severity, acknowledgement,
    # details, components, public updates) adds one, so a form or API call made from an older version
    # is refused instead of overwriting what someone else did. Notes and checklist ticks do not count.
    version = models.PositiveIntegerField(default=1, editable=False)
    changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    commander = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commanded_incidents",
        verbose_name=_("incident commander"),
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_incidents",
        verbose_name=_("reporter"),
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    # The incident's roles (runbook: commander, communications lead, scribe, responders). The single-holder
    # roles are plain foreign keys: the cockpit, the list and the API read them in the incident's own query.
    communications_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("communications lead"),
    )
    scribe = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("scribe"),
    )
    responders = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="responded_incidents", verbose_name=_("responders")
    )
    components = models.ManyToManyField(Component, blank=True, related_name="incidents", verbose_name=_("components"))

    users_affected_pct = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        verbose_name=_("users affected (%)"),
    )
    data_impact = models.BooleanField(_("data impact"), default=False, help_text=_("Data loss or corruption."))
    security_breach = models.BooleanField(_("security breach"), default=False)
    public = models.BooleanField(_("public"), default=False, help_text=_("Show on the public status page."))
    public_impact_override = models.CharField(
        _("public impact override"),
        max_length=10,
        choices=PublicImpact.choices,
        blank=True,
        help_text=_("Empty: derived from the severity."),
    )
    external_ticket = models.CharField(
        _("external ticket"), max_length=300, blank=True, help_text=_("PagerDuty/Opsgenie id or URL.")
    )
    chat_channel = models.CharField(
        _("chat channel"), max_length=80, blank=True, help_text=_("e.g. #incident-2026-11-27-001")
    )

    # The version fields are bookkeeping, not content: a historical copy (e.g. a revert) carries the current ones.
    history = HistoricalRecords(excluded_fields=["updated_at", "version", "changed_at", "changed_by"])

    class Meta:
        ordering = ["-declared_at"]
        indexes = [
            models.Index(fields=["status", "-declared_at"]),
            models.Index(fields=["-started_at"]),
        ]
        permissions = [("command_incident", "Can run incidents (acknowledge, transition, resolve, close)")]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def clean(self) -> None:
        if self.started_at and self.detected_at and self.detected_at < self.started_at:
            raise ValidationError({"detected_at": _("Detection cannot precede the start of the incident.")})

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
    DECLARED = "declared", _("Declared")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    STATUS = "status", _("Status change")
    SEVERITY = "severity", _("Severity change")
    NOTE = "note", _("Note")
    CHECKLIST = "checklist", _("Checklist")
    ESCALATION = "escalation", _("Escalation")
    NOTIFICATION = "notification", _("Notification")
    COMMUNICATION = "communication", _("Communication")
    STATUS_UPDATE = "status_update", _("Public status update")
    TIMER = "timer", _("Timer")
    EDIT = "edit", _("Edit")
    POSTMORTEM = "postmortem", _("Post-mortem")
    ROLE = "role", _("Role change")
    PAGE = "page", pgettext_lazy("timeline kind: someone was paged", "Page")


class TimelineEntry(models.Model):
    """The incident log. Append-only: entries are never edited or deleted."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="timeline", verbose_name=_("incident")
    )
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=TimelineKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("author")
    )
    text = models.TextField(_("text"))
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        # The cockpit reads an incident's latest entries (and the largest id) whatever the log's length.
        indexes = [
            models.Index(fields=["incident", "-at", "-id"], name="timeline_incident_latest"),
            models.Index(fields=["incident", "-id"], name="timeline_incident_last_id"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%H:%M} {self.get_kind_display()}: {self.text}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError(_("Timeline entries are append-only."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[override]
        raise ValidationError(_("Timeline entries are append-only."))


# Runbook 2.1, the initial-response checklist created with every incident. Marked for translation only:
# each incident's items are written in the site's language when it is declared (`initial_checklist`), and
# code finds an item by its position (services.lifecycle.CHECKLIST_*), never by its text.
INITIAL_RESPONSE_CHECKLIST = (
    gettext_noop("Acknowledge incident (within SLA)"),
    gettext_noop("Create incident ticket (PagerDuty/Opsgenie)"),
    gettext_noop("Join/create incident Slack channel"),
    gettext_noop("Identify severity level"),
    gettext_noop("Begin incident log"),
    gettext_noop("Notify stakeholders if P1/P2"),
)


class ChecklistItem(models.Model):
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="checklist", verbose_name=_("incident")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    label = models.CharField(_("label"), max_length=200)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("done by")
    )

    class Meta:
        ordering = ["incident", "position"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
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
            _("“%(value)s” is not a known time zone; use an IANA name such as Europe/Rome."),
            code="invalid_time_zone",
            params={"value": value},
        )


def default_time_zone() -> str:
    return settings.TIME_ZONE


class UserPreference(models.Model):
    """How one admin user reads Warroom: the time zone times are shown in, and their language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference", verbose_name=_("user")
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=default_time_zone,
        validators=[validate_time_zone_name],
        help_text=_("IANA name, e.g. Europe/Rome or America/New_York. Times in the admin are shown in it."),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Empty: the browser's language."),
    )

    class Meta:
        verbose_name = _("preferences")
        verbose_name_plural = _("preferences")

    def __str__(self) -> str:
        return gettext("Preferences of %(user)s") % {"user": self.user}
