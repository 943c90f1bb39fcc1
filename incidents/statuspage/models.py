"""The public status page's rows: status updates of incidents, and scheduled maintenance."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.models import Component, ComponentStatus, Incident, new_public_id


class PublicIncidentStatus(models.TextChoices):
    """An incident's status on the status page. The first four follow the incident lifecycle;
    `postmortem` is public only: it may be posted once the incident is resolved or closed."""

    INVESTIGATING = "investigating", _("Investigating")
    IDENTIFIED = "identified", _("Identified")
    MONITORING = "monitoring", _("Monitoring")
    RESOLVED = "resolved", _("Resolved")
    POSTMORTEM = "postmortem", _("Postmortem")


class StatusUpdate(models.Model):
    """A published incident update (Statuspage's "incident update"): what the public reads."""

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="status_updates", verbose_name=_("incident")
    )
    status = models.CharField(verbose_name=_("status"), max_length=16, choices=PublicIncidentStatus.choices)
    body = models.TextField(
        verbose_name=_("message"),
    )
    display_at = models.DateTimeField(verbose_name=_("shown at"), default=timezone.now)
    published = models.BooleanField(
        verbose_name=_("published"), default=True, help_text=_("Unpublished updates are hidden from the public.")
    )
    deliver_notifications = models.BooleanField(
        verbose_name=_("tell subscribers"),
        default=True,
        help_text=_("Tell the status page's subscribers (email and webhooks) of this update."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("author")
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)
    # Set when every subscriber's message is in the outbox; a sweep fans out again an update left
    # without it (its task lost to a broker outage or a worker that died mid-way).
    subscribers_told_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("status update")
        verbose_name_plural = _("status updates")
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
        verbose_name = _("affected component")
        verbose_name_plural = _("affected components")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["update", "component"], name="status_update_component_once"),
        ]

    def __str__(self) -> str:
        return f"{self.component_id}: {self.old_status} → {self.new_status}"


class MaintenanceStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    VERIFYING = "verifying", _("Verifying")
    COMPLETED = "completed", _("Completed")


ACTIVE_MAINTENANCE_STATUSES = (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING)


class MaintenanceImpact(models.TextChoices):
    NONE = "none", _("None")
    MAINTENANCE = "maintenance", _("Maintenance")
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")


class ScheduledMaintenance(models.Model):
    """Planned work shown on the status page; always public."""

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    name = models.CharField(verbose_name=_("name"), max_length=200)
    status = models.CharField(
        verbose_name=_("status"), max_length=16, choices=MaintenanceStatus.choices, default=MaintenanceStatus.SCHEDULED
    )
    impact = models.CharField(
        verbose_name=_("impact"),
        max_length=12,
        choices=MaintenanceImpact.choices,
        default=MaintenanceImpact.MAINTENANCE,
    )
    scheduled_for = models.DateTimeField(
        verbose_name=_("scheduled for"),
    )
    scheduled_until = models.DateTimeField(
        verbose_name=_("scheduled until"),
    )
    components = models.ManyToManyField(
        Component, blank=True, related_name="maintenances", verbose_name=_("components")
    )
    started_at = models.DateTimeField(verbose_name=_("started at"), null=True, blank=True, editable=False)
    monitoring_at = models.DateTimeField(verbose_name=_("verifying since"), null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(verbose_name=_("completed at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-scheduled_for"]
        indexes = [models.Index(fields=["status", "scheduled_for"])]
        verbose_name = _("scheduled maintenance")
        verbose_name_plural = _("scheduled maintenances")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.scheduled_for and self.scheduled_until and self.scheduled_until <= self.scheduled_for:
            raise ValidationError({"scheduled_until": _("The maintenance must end after it starts.")})

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_MAINTENANCE_STATUSES


class MaintenanceUpdate(models.Model):
    """A public message about a maintenance, posted with each status change."""

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    maintenance = models.ForeignKey(
        ScheduledMaintenance, on_delete=models.CASCADE, related_name="updates", verbose_name=_("maintenance")
    )
    status = models.CharField(verbose_name=_("status"), max_length=16, choices=MaintenanceStatus.choices)
    body = models.TextField(
        verbose_name=_("message"),
    )
    display_at = models.DateTimeField(verbose_name=_("shown at"), default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("author")
    )
    deliver_notifications = models.BooleanField(
        verbose_name=_("tell subscribers"),
        default=True,
        help_text=_("Tell the page's subscribers (of the affected components) about this update."),
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)
    subscribers_told_at = models.DateTimeField(null=True, blank=True, editable=False)  # as StatusUpdate's

    class Meta:
        verbose_name = _("maintenance update")
        verbose_name_plural = _("maintenance updates")
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
        verbose_name = _("component status change")
        verbose_name_plural = _("component status changes")
        ordering = ["component", "at", "id"]
        indexes = [models.Index(fields=["component", "at"])]

    def __str__(self) -> str:
        return f"{self.component_id}: {self.status} from {self.at:%Y-%m-%d %H:%M}"


class SubscriberKind(models.TextChoices):
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Webhook")


class SubscriberState(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("Unconfirmed")
    ACTIVE = "active", _("Active")
    DISABLED = "disabled", _("Disabled")
    QUARANTINED = "quarantined", _("Bounced (quarantined)")


def new_subscriber_key() -> str:
    return secrets.token_urlsafe(24)


class Subscriber(models.Model):
    """Someone told of every public update (Statuspage's subscriber): an email address, confirmed by a
    link (double opt-in), or a webhook URL. No components chosen means all of them."""

    kind = models.CharField(verbose_name=_("kind"), max_length=8, choices=SubscriberKind.choices)
    email = models.EmailField(verbose_name=_("email address"), blank=True, max_length=254)
    endpoint = models.URLField(_("webhook URL"), blank=True, max_length=1000)
    components = models.ManyToManyField(Component, blank=True, related_name="subscribers", verbose_name=_("components"))
    state = models.CharField(
        verbose_name=_("state"), max_length=12, choices=SubscriberState.choices, default=SubscriberState.UNCONFIRMED
    )
    state_reason = models.CharField(verbose_name=_("reason"), max_length=300, blank=True)
    # Names the subscriber in its signed links; a new one revokes the old links.
    key = models.CharField(max_length=64, unique=True, default=new_subscriber_key, editable=False)
    # Webhooks: the HMAC key receivers verify payloads with.
    signing_secret = models.CharField(max_length=64, default=new_subscriber_key, editable=False)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now, editable=False)
    confirmed_at = models.DateTimeField(verbose_name=_("confirmed at"), null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(verbose_name=_("confirmation sent at"), null=True, blank=True)
    # The language of its emails: the status page's at sign-up. Empty: the site's (WARROOM_LANGUAGE).
    language = models.CharField(
        verbose_name=_("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("The language of its emails. Empty: the site's language."),
    )
    failing_since = models.DateTimeField(
        verbose_name=_("failing since"), null=True, blank=True, help_text=_("Webhooks: failing since then.")
    )

    class Meta:
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
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
