"""The public status page's rows: status updates of incidents, and scheduled maintenance."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from incidents.models import Component, ComponentStatus, Incident, new_public_id


class PublicIncidentStatus(models.TextChoices):
    """An incident's status on the status page. The first four follow the incident lifecycle;
    `postmortem` is public only: it may be posted once the incident is resolved or closed."""

    INVESTIGATING = "investigating", "Investigating"
    IDENTIFIED = "identified", "Identified"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"
    POSTMORTEM = "postmortem", "Postmortem"


class StatusUpdate(models.Model):
    """A published incident update (Statuspage's "incident update"): what the public reads."""

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="status_updates")
    status = models.CharField(max_length=16, choices=PublicIncidentStatus.choices)
    body = models.TextField()
    display_at = models.DateTimeField(default=timezone.now)
    published = models.BooleanField(default=True, help_text="Unpublished updates are hidden from the public.")
    deliver_notifications = models.BooleanField(
        default=True, help_text="Tell the status page's subscribers (email and webhooks) of this update."
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when every subscriber's message is in the outbox; a sweep fans out again an update left
    # without it (its task lost to a broker outage or a worker that died mid-way).
    subscribers_told_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-display_at", "-id"]
        indexes = [models.Index(fields=["incident", "-display_at"])]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.body[:60]}"


class StatusUpdateComponent(models.Model):
    """A component whose status an update changed, with the status before and after."""

    update = models.ForeignKey(StatusUpdate, on_delete=models.CASCADE, related_name="affected_components")
    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="+")
    old_status = models.CharField(max_length=24, choices=ComponentStatus.choices)
    new_status = models.CharField(max_length=24, choices=ComponentStatus.choices)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["update", "component"], name="status_update_component_once"),
        ]

    def __str__(self) -> str:
        return f"{self.component_id}: {self.old_status} → {self.new_status}"


class MaintenanceStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    VERIFYING = "verifying", "Verifying"
    COMPLETED = "completed", "Completed"


ACTIVE_MAINTENANCE_STATUSES = (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING)


class MaintenanceImpact(models.TextChoices):
    NONE = "none", "None"
    MAINTENANCE = "maintenance", "Maintenance"
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"
    CRITICAL = "critical", "Critical"


class ScheduledMaintenance(models.Model):
    """Planned work shown on the status page; always public."""

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=MaintenanceStatus.choices, default=MaintenanceStatus.SCHEDULED)
    impact = models.CharField(max_length=12, choices=MaintenanceImpact.choices, default=MaintenanceImpact.MAINTENANCE)
    scheduled_for = models.DateTimeField()
    scheduled_until = models.DateTimeField()
    components = models.ManyToManyField(Component, blank=True, related_name="maintenances")
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    monitoring_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-scheduled_for"]
        indexes = [models.Index(fields=["status", "scheduled_for"])]
        verbose_name = "scheduled maintenance"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.scheduled_for and self.scheduled_until and self.scheduled_until <= self.scheduled_for:
            raise ValidationError({"scheduled_until": "The maintenance must end after it starts."})

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_MAINTENANCE_STATUSES


class MaintenanceUpdate(models.Model):
    """A public message about a maintenance, posted with each status change."""

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    maintenance = models.ForeignKey(ScheduledMaintenance, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=16, choices=MaintenanceStatus.choices)
    body = models.TextField()
    display_at = models.DateTimeField(default=timezone.now)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    deliver_notifications = models.BooleanField(
        default=True, help_text="Tell the page's subscribers (of the affected components) about this update."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    subscribers_told_at = models.DateTimeField(null=True, blank=True, editable=False)  # as StatusUpdate's

    class Meta:
        ordering = ["-display_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.body[:60]}"


class ComponentStatusChange(models.Model):
    """The status the public saw for a component from `at` until its next change: the uptime history.
    Written when what the page shows changes, never backfilled."""

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(max_length=24, choices=ComponentStatus.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # When webhook subscribers were told of this change (a component's first record is no change: set at once).
    subscribers_told_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["component", "at", "id"]
        indexes = [models.Index(fields=["component", "at"])]

    def __str__(self) -> str:
        return f"{self.component_id}: {self.status} from {self.at:%Y-%m-%d %H:%M}"


class SubscriberKind(models.TextChoices):
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"


class SubscriberState(models.TextChoices):
    UNCONFIRMED = "unconfirmed", "Unconfirmed"
    ACTIVE = "active", "Active"
    DISABLED = "disabled", "Disabled"
    QUARANTINED = "quarantined", "Bounced (quarantined)"


def new_subscriber_key() -> str:
    return secrets.token_urlsafe(24)


class Subscriber(models.Model):
    """Someone told of every public update (Statuspage's subscriber): an email address, confirmed by a
    link (double opt-in), or a webhook URL. No components chosen means all of them."""

    kind = models.CharField(max_length=8, choices=SubscriberKind.choices)
    email = models.EmailField(blank=True, max_length=254)
    endpoint = models.URLField("webhook URL", blank=True, max_length=1000)
    components = models.ManyToManyField(Component, blank=True, related_name="subscribers")
    state = models.CharField(max_length=12, choices=SubscriberState.choices, default=SubscriberState.UNCONFIRMED)
    state_reason = models.CharField(max_length=300, blank=True)
    # Names the subscriber in its signed links; a new one revokes the old links.
    key = models.CharField(max_length=64, unique=True, default=new_subscriber_key, editable=False)
    # Webhooks: the HMAC key receivers verify payloads with.
    signing_secret = models.CharField(max_length=64, default=new_subscriber_key, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True, help_text="Webhooks: failing since then.")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["email"], condition=models.Q(kind="email"), name="subscriber_email_once"),
            models.UniqueConstraint(
                fields=["endpoint"], condition=models.Q(kind="webhook"), name="subscriber_webhook_once"
            ),
        ]
        indexes = [models.Index(fields=["state", "kind"])]

    def __str__(self) -> str:
        return self.email if self.kind == SubscriberKind.EMAIL else self.endpoint.split("?", 1)[0]
