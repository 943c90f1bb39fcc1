"""The timer engine's rows: one Timer per clock, and the tick's heartbeat. Nothing here knows what a
subject is: a timer points at any row (content type + id)."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


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
    outcome = models.CharField(max_length=200, blank=True, help_text=_("What firing did, in a few words."))
    failures = models.PositiveSmallIntegerField(default=0, help_text=_("Handler errors so far (retried each tick)."))
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
    def notification_key(self) -> str:
        """The outbox's dedupe key for what this timer sends: firing twice cannot notify twice."""
        return f"timer:{self.pk}"

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
    fired = models.PositiveIntegerField(default=0, help_text=_("Timers fired by the last tick."))

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%H:%M:%S}"
