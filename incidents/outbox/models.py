"""The outbox: one row per message to send, written in the transaction that decides to send it."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.outbox.channels import EMAIL_PREFIX, USER_PREFIX, WEBHOOK_PREFIX, redact_apprise_url


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    """Outbox row: written in the transaction that decides to notify, delivered afterwards."""

    # What the message is about (an incident, a post-mortem...): any row, so the outbox knows no domain.
    about_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("about_type", "about_id")
    # Idempotency: the same (key, target) is written once, e.g. "timer:42" for a timer that fired.
    dedupe_key = models.CharField(_("dedupe key"), max_length=100, blank=True, default="")
    target = models.CharField(
        _("target"), max_length=1000, help_text=_("user:<id>, email:<address>, webhook:<https URL> or an Apprise URL.")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("user")
    )
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    attachments = models.JSONField(
        _("attachments"), default=list, blank=True, help_text=_("Email attachments: [{filename, content, mimetype}].")
    )
    headers = models.JSONField(
        _("headers"), default=dict, blank=True, help_text=_("Extra email headers, or the webhook request's headers.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    queued_at = models.DateTimeField(
        _("queued at"), null=True, blank=True, help_text=_("When a delivery task was last queued.")
    )
    lease_until = models.DateTimeField(
        _("lease until"), null=True, blank=True, help_text=_("A worker is sending until then.")
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key", "target"],
                name="notification_unique_target",
                condition=~models.Q(dedupe_key=""),
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "next_attempt_at"],
                name="notification_undelivered",
                condition=models.Q(status__in=["pending", "sending"]),
            ),
            models.Index(fields=["about_type", "about_id", "-created_at"], name="notification_about"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.target_display}"

    @property
    def channel(self) -> str:
        if self.target.startswith(WEBHOOK_PREFIX):
            return "webhook"
        return "email" if self.target.startswith((USER_PREFIX, EMAIL_PREFIX)) else "apprise"

    @property
    def target_display(self) -> str:
        """The target with secrets (tokens, passwords) hidden."""
        if self.target.startswith(USER_PREFIX):
            return str(self.user or self.target)
        if self.target.startswith(EMAIL_PREFIX):
            return self.target.removeprefix(EMAIL_PREFIX)
        if self.target.startswith(WEBHOOK_PREFIX):
            return self.target.removeprefix(WEBHOOK_PREFIX).split("?", 1)[0]
        return redact_apprise_url(self.target)
