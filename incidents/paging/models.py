"""Rows of the timer engine: timers, the tick's heartbeat, the notification outbox, escalation policies
and the on-call rota. Imported at the end of incidents/models.py so Django registers them with the app."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from incidents.models import Incident, SeverityPolicy

__all__ = [
    "EscalationPolicy",
    "EscalationStep",
    "Notification",
    "NotificationStatus",
    "Rotation",
    "RotationMember",
    "RotationOverride",
    "StopCondition",
    "Timer",
    "TimerHeartbeat",
    "validate_apprise_url",
]


class Timer(models.Model):
    """One clock: fires once at `due_at` unless cancelled. Unique per (subject, kind, step)."""

    kind = models.CharField(max_length=60)
    subject_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    step = models.CharField(max_length=100, default="", blank=True)
    due_at = models.DateTimeField()
    fired_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True, help_text="What firing did, in a few words.")
    failures = models.PositiveSmallIntegerField(default=0, help_text="Handler errors so far (retried each tick).")
    last_error = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "subject_id", "kind", "step"], name="timer_unique_step"),
        ]
        indexes = [
            # The tick's only scan: pending timers by due time.
            models.Index(
                fields=["due_at"],
                name="timer_pending_due",
                condition=models.Q(fired_at__isnull=True, cancelled_at__isnull=True),
            ),
            models.Index(fields=["subject_type", "subject_id", "kind"], name="timer_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}[{self.step}] due {self.due_at:%Y-%m-%d %H:%M:%S}"

    @property
    def state(self) -> str:
        if self.fired_at:
            return "fired"
        if self.cancelled_at:
            return "cancelled"
        return "pending"


class TimerHeartbeat(models.Model):
    """When the tick last ran. A stale heartbeat means beat (or every worker) is down."""

    name = models.CharField(max_length=30, primary_key=True)
    beat_at = models.DateTimeField()
    fired = models.PositiveIntegerField(default=0, help_text="Timers fired by the last tick.")
    requeued = models.PositiveIntegerField(default=0, help_text="Notifications re-queued by the last tick.")

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%H:%M:%S}"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Notification(models.Model):
    """Outbox row: written in the transaction that decides to notify, delivered afterwards."""

    timer = models.ForeignKey(Timer, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    target = models.CharField(max_length=1000, help_text="user:<id> or an Apprise URL.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True, help_text="When a delivery task was last queued.")
    lease_until = models.DateTimeField(null=True, blank=True, help_text="A worker is sending until then.")
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["timer", "target"], name="notification_unique_target", condition=models.Q(timer__isnull=False)
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "next_attempt_at"],
                name="notification_undelivered",
                condition=models.Q(status__in=["pending", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.target_display}"

    @property
    def channel(self) -> str:
        return "email" if self.target.startswith("user:") else "apprise"

    @property
    def target_display(self) -> str:
        """The target with secrets (tokens, passwords) hidden."""
        if self.target.startswith("user:"):
            return str(self.user or self.target)
        return redact_apprise_url(self.target)


def redact_apprise_url(url: str) -> str:
    import apprise

    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        return url.split("://", 1)[0] + "://…"
    return str(plugin.url(privacy=True)).split("?", 1)[0]


def validate_apprise_url(url: str) -> None:
    import apprise

    if apprise.Apprise.instantiate(url.strip()) is None:
        raise ValidationError(f"“{url}” is not a notification URL Apprise understands (e.g. slack://…, mailto://…).")


class StopCondition(models.TextChoices):
    ACKNOWLEDGED = "acknowledged", "Acknowledged (or resolved)"
    RESOLVED = "resolved", "Resolved"


class EscalationPolicy(models.Model):
    """Who is paged, and when, while an incident of a severity is unacknowledged or unresolved."""

    severity = models.OneToOneField(SeverityPolicy, on_delete=models.CASCADE, related_name="escalation_policy")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["severity__level"]
        verbose_name_plural = "escalation policies"

    def __str__(self) -> str:
        return self.name


class EscalationStep(models.Model):
    """A tier of the escalation path, paged at `offset` after the incident started."""

    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="steps")
    offset = models.DurationField(help_text="After the incident start, e.g. 0:15:00 for 15 minutes.")
    tier = models.CharField(max_length=80, help_text="e.g. Senior Engineer. Each tier is paged once per incident.")
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    groups = models.ManyToManyField(Group, blank=True, related_name="+", help_text="Every active member is paged.")
    on_call_rotation = models.ForeignKey(
        "Rotation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Page whoever is on call in this rotation when the step fires.",
    )
    apprise_urls = models.TextField(
        blank=True, verbose_name="Apprise URLs", help_text="One per line: slack://…, msteams://…, pagerduty://…"
    )
    stop_condition = models.CharField(
        max_length=12, choices=StopCondition.choices, default=StopCondition.ACKNOWLEDGED, help_text="Not paged once…"
    )

    class Meta:
        ordering = ["policy", "offset", "id"]
        constraints = [models.UniqueConstraint(fields=["policy", "tier"], name="escalation_unique_tier")]

    def __str__(self) -> str:
        return f"{self.tier} at +{format_offset(self.offset)}"

    @property
    def key(self) -> str:
        """Timer step key: the tier, so a tier already paged is not paged again after a severity change."""
        return "tier:" + self.tier.strip().lower()

    def apprise_url_list(self) -> list[str]:
        return [line.strip() for line in self.apprise_urls.splitlines() if line.strip()]

    def clean(self) -> None:
        errors = []
        for url in self.apprise_url_list():
            try:
                validate_apprise_url(url)
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError({"apprise_urls": errors})
        if self.offset is not None and self.offset < timedelta(0):
            raise ValidationError({"offset": "The offset cannot be negative."})


def format_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    seconds = int(offset.total_seconds() % 60)
    if seconds:
        return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
    return f"{minutes} min"


def validate_time_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(f"Unknown time zone {name!r}; use an IANA name such as Europe/Berlin.") from error


def today() -> date:
    return timezone.now().date()


class Rotation(models.Model):
    """An on-call rota: members take turns, one shift each, handing off at a local time."""

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=60, default="UTC", validators=[validate_time_zone])
    shift_length = models.DurationField(default=timedelta(days=7), help_text="e.g. 7 days, 1 day, 12:00:00.")
    handoff_time = models.TimeField(default=time(9, 0), help_text="Local time at which shifts change.")
    start_date = models.DateField(default=today, help_text="The first member's first shift starts this day.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.shift_length is not None and self.shift_length < timedelta(hours=1):
            raise ValidationError({"shift_length": "A shift lasts at least an hour."})


class RotationMember(models.Model):
    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["rotation", "position", "id"]

    def __str__(self) -> str:
        return f"{self.rotation}: {self.user}"


class RotationOverride(models.Model):
    """Someone covers the rotation for a while (holiday swap, sick day)."""

    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="overrides")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["rotation", "starts_at"]
        indexes = [models.Index(fields=["rotation", "starts_at", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.user} covers {self.rotation} {self.starts_at:%Y-%m-%d %H:%M} to {self.ends_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "An override must end after it starts."})
