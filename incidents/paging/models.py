"""Who is paged and when: escalation policies per severity, their steps, and the on-call rota."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.models import SeverityPolicy
from incidents.outbox.channels import validate_apprise_url


class StopCondition(models.TextChoices):
    ACKNOWLEDGED = "acknowledged", gettext_lazy("Acknowledged (or resolved)")
    RESOLVED = "resolved", gettext_lazy("Resolved")


class EscalationPolicy(models.Model):
    """Who is paged, and when, while an incident of a severity is unacknowledged or unresolved."""

    severity = models.OneToOneField(
        SeverityPolicy,
        on_delete=models.CASCADE,
        related_name="escalation_policy",
        verbose_name=gettext_lazy("severity"),
    )
    name = models.CharField(gettext_lazy("name"), max_length=100)
    description = models.TextField(gettext_lazy("description"), blank=True)

    class Meta:
        ordering = ["severity__level"]
        verbose_name = gettext_lazy("escalation policy")
        verbose_name_plural = gettext_lazy("escalation policies")

    def __str__(self) -> str:
        return self.name


class EscalationStep(models.Model):
    """A tier of the escalation path, paged at `offset` after the incident started."""

    policy = models.ForeignKey(
        EscalationPolicy, on_delete=models.CASCADE, related_name="steps", verbose_name=gettext_lazy("policy")
    )
    offset = models.DurationField(
        gettext_lazy("offset"), help_text=gettext_lazy("After the incident start, e.g. 0:15:00 for 15 minutes.")
    )
    tier = models.CharField(
        gettext_lazy("tier"),
        max_length=80,
        help_text=gettext_lazy("e.g. Senior Engineer. Each tier is paged once per incident."),
    )
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=gettext_lazy("users")
    )
    groups = models.ManyToManyField(
        Group,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("groups"),
        help_text=gettext_lazy("Every active member is paged."),
    )
    on_call_rotation = models.ForeignKey(
        "Rotation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=gettext_lazy("on-call rotation"),
        help_text=gettext_lazy("Page whoever is on call in this rotation when the step fires."),
    )
    apprise_urls = models.TextField(
        blank=True,
        verbose_name=gettext_lazy("Apprise URLs"),
        help_text=gettext_lazy("One per line: slack://…, msteams://…, pagerduty://…"),
    )
    stop_condition = models.CharField(
        gettext_lazy("stop condition"),
        max_length=12,
        choices=StopCondition.choices,
        default=StopCondition.ACKNOWLEDGED,
        help_text=gettext_lazy("Not paged once…"),
    )

    class Meta:
        ordering = ["policy", "offset", "id"]
        verbose_name = gettext_lazy("escalation step")
        verbose_name_plural = gettext_lazy("escalation steps")
        constraints = [models.UniqueConstraint(fields=["policy", "tier"], name="escalation_unique_tier")]

    def __str__(self) -> str:
        return _("%(tier)s at +%(offset)s") % {"tier": self.tier, "offset": format_offset(self.offset)}

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
            raise ValidationError({"offset": _("The offset cannot be negative.")})


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
        raise ValidationError(
            _("Unknown time zone %(name)s; use an IANA name such as Europe/Berlin.") % {"name": repr(name)}
        ) from error


def today() -> date:
    return timezone.now().date()


class Rotation(models.Model):
    """An on-call rota: members take turns, one shift each, handing off at a local time."""

    name = models.CharField(gettext_lazy("name"), max_length=100, unique=True)
    time_zone = models.CharField(
        gettext_lazy("time zone"), max_length=60, default="UTC", validators=[validate_time_zone]
    )
    shift_length = models.DurationField(
        gettext_lazy("shift length"), default=timedelta(days=7), help_text=gettext_lazy("e.g. 7 days, 1 day, 12:00:00.")
    )
    handoff_time = models.TimeField(
        gettext_lazy("hand-off time"), default=time(9, 0), help_text=gettext_lazy("Local time at which shifts change.")
    )
    start_date = models.DateField(
        gettext_lazy("start date"),
        default=today,
        help_text=gettext_lazy("The first member's first shift starts this day."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = gettext_lazy("on-call rotation")
        verbose_name_plural = gettext_lazy("on-call rotations")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.shift_length is not None and self.shift_length < timedelta(hours=1):
            raise ValidationError({"shift_length": _("A shift lasts at least an hour.")})


class RotationMember(models.Model):
    rotation = models.ForeignKey(
        Rotation, on_delete=models.CASCADE, related_name="members", verbose_name=gettext_lazy("rotation")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=gettext_lazy("user")
    )
    position = models.PositiveSmallIntegerField(gettext_lazy("position"), default=0)

    class Meta:
        ordering = ["rotation", "position", "id"]
        verbose_name = gettext_lazy("rotation member")
        verbose_name_plural = gettext_lazy("rotation members")

    def __str__(self) -> str:
        return f"{self.rotation}: {self.user}"


class RotationOverride(models.Model):
    """Someone covers the rotation for a while (holiday swap, sick day)."""

    rotation = models.ForeignKey(
        Rotation, on_delete=models.CASCADE, related_name="overrides", verbose_name=gettext_lazy("rotation")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=gettext_lazy("user")
    )
    starts_at = models.DateTimeField(gettext_lazy("starts at"))
    ends_at = models.DateTimeField(gettext_lazy("ends at"))
    reason = models.CharField(gettext_lazy("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["rotation", "starts_at"]
        verbose_name = gettext_lazy("rotation override")
        verbose_name_plural = gettext_lazy("rotation overrides")
        indexes = [models.Index(fields=["rotation", "starts_at", "ends_at"])]

    def __str__(self) -> str:
        return _("%(user)s covers %(rotation)s %(start)s to %(end)s") % {
            "user": self.user,
            "rotation": self.rotation,
            "start": f"{self.starts_at:%Y-%m-%d %H:%M}",
            "end": f"{self.ends_at:%Y-%m-%d %H:%M}",
        }

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("An override must end after it starts.")})
