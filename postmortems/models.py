"""Post-incident review: post-mortems, review meetings and action items (runbook section 4)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from incidents.models import Incident, TimelineEntry


class PostMortemStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")


class PostMortem(models.Model):
    """Runbook 4.1: one per incident. Date, severity, duration and SLA impact derive from the incident."""

    incident = models.OneToOneField(
        Incident, on_delete=models.CASCADE, related_name="postmortem", verbose_name=_("incident")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PostMortemStatus.choices, default=PostMortemStatus.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authored_postmortems",
        verbose_name=_("author"),
        help_text=_("The reporter of the template; reminders go to this person."),
    )
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="reviewed_postmortems", verbose_name=_("reviewers")
    )

    summary = models.TextField(_("summary"), blank=True, help_text=_("Two or three sentences."))
    what_happened = models.TextField(blank=True, verbose_name=_("what happened?"))
    detection = models.TextField(
        blank=True, verbose_name=_("how did we detect it?"), help_text=_("Monitoring/alert details.")
    )

    users_affected_pct = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        verbose_name=_("users affected (%)"),
    )
    features_affected = models.TextField(_("features affected"), blank=True, help_text=_("One per line."))
    data_impact = models.TextField(_("data impact"), blank=True, help_text=_("Empty means none."))

    went_well = models.TextField(blank=True, verbose_name=_("what went well?"), help_text=_("One per line."))
    could_be_better = models.TextField(
        blank=True, verbose_name=_("what could have gone better?"), help_text=_("One per line.")
    )
    learned = models.TextField(blank=True, verbose_name=_("what did we learn?"), help_text=_("One per line."))

    due_at = models.DateTimeField(
        _("due at"), null=True, blank=True, help_text=_("When the post-mortem is due (set on resolve).")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("published by"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("post-mortem")
        verbose_name_plural = _("post-mortems")
        permissions = [("view_reports", _("Can view the managers' report"))]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return gettext("Post-mortem: %(reference)s") % {"reference": self.incident.reference}

    @property
    def is_published(self) -> bool:
        return self.status == PostMortemStatus.PUBLISHED

    @property
    def date(self) -> date:
        return self.incident.started_at.date()

    @property
    def duration_minutes(self) -> int:
        return int(self.incident.duration.total_seconds() // 60)

    @property
    def sla_impact_minutes(self) -> int:
        """Minutes beyond the severity's resolution target (0 when met or best effort)."""
        due = self.incident.resolve_due_at
        if due is None:
            return 0
        end = self.incident.resolved_at or timezone.now()
        return max(0, int((end - due).total_seconds() // 60))


class PostMortemTimelineEntry(models.Model):
    """A line of the post-mortem timeline, copied from the incident log; the author keeps or drops it."""

    postmortem = models.ForeignKey(
        PostMortem, on_delete=models.CASCADE, related_name="timeline", verbose_name=_("post-mortem")
    )
    source = models.ForeignKey(
        TimelineEntry,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("incident log entry"),
    )
    at = models.DateTimeField(_("at"))
    text = models.TextField(_("text"))
    included = models.BooleanField(
        _("included"), default=True, help_text=_("Shown in the post-mortem and its exports.")
    )

    class Meta:
        ordering = ["postmortem", "at", "id"]
        verbose_name = _("post-mortem timeline entry")
        verbose_name_plural = _("post-mortem timeline entries")
        constraints = [
            models.UniqueConstraint(
                fields=["postmortem", "source"],
                name="pm_timeline_unique_source",
                condition=models.Q(source__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%H:%M} {self.text}"


class FiveWhy(models.Model):
    """One step of the 5 whys, in order."""

    postmortem = models.ForeignKey(
        PostMortem, on_delete=models.CASCADE, related_name="whys", verbose_name=_("post-mortem")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    question = models.CharField(_("question"), max_length=300, help_text=_("Why ...?"))
    answer = models.TextField(_("answer"), blank=True)

    class Meta:
        ordering = ["postmortem", "position"]
        verbose_name = _("why")
        verbose_name_plural = _("5 whys")
        constraints = [models.UniqueConstraint(fields=["postmortem", "position"], name="fivewhy_unique_position")]

    def __str__(self) -> str:
        return f"{self.position}. {self.question}"


class AttachmentKind(models.TextChoices):
    LOGS = "logs", _("Logs")
    METRICS = "metrics", _("Metrics")
    SCREENSHOT = "screenshot", _("Screenshot")
    OTHER = "other", _("Other")


class Attachment(models.Model):
    postmortem = models.ForeignKey(
        PostMortem, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("post-mortem")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=AttachmentKind.choices, default=AttachmentKind.LOGS)
    file = models.FileField(_("file"), upload_to="postmortems/%Y/%m/")
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["postmortem", "kind", "uploaded_at"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.caption or self.filename

    @property
    def filename(self) -> str:
        """The uploaded file's name without the storage folders."""
        return (self.file.name or "").rsplit("/", 1)[-1]


class ActionPriority(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    WONT_DO = "wont_do", _("Won't do")


OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
CLOSED_ACTION_STATUSES = (ActionStatus.DONE, ActionStatus.WONT_DO)


class ActionSource(models.TextChoices):
    POSTMORTEM = "postmortem", _("Post-mortem")
    REVIEW_MEETING = "review_meeting", _("Review meeting")


# A due date's reminders and overdue notice are days around it: the calendar's own ends (0001-01-01,
# 9999-12-31) leave no room for them, and no action item is due that far out anyway.
EARLIEST_DUE_DATE = date(1970, 1, 1)
LATEST_DUE_DATE = date(9998, 12, 31)


def due_date_problem(due: date | None) -> str | None:
    """Why a due date cannot be used, or None."""
    if due is not None and not EARLIEST_DUE_DATE <= due <= LATEST_DUE_DATE:
        return gettext("Give a due date between %(earliest)s and %(latest)s.") % {
            "earliest": f"{EARLIEST_DUE_DATE:%Y-%m-%d}",
            "latest": f"{LATEST_DUE_DATE:%Y-%m-%d}",
        }
    return None


class ActionItem(models.Model):
    postmortem = models.ForeignKey(
        PostMortem, on_delete=models.CASCADE, related_name="action_items", verbose_name=_("post-mortem")
    )
    meeting = models.ForeignKey(
        "ReviewMeeting",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
        verbose_name=_("review meeting"),
    )
    action = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="action_items", verbose_name=_("owner")
    )
    priority = models.CharField(
        _("priority"), max_length=6, choices=ActionPriority.choices, default=ActionPriority.MEDIUM
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    source = models.CharField(_("source"), max_length=14, choices=ActionSource.choices, default=ActionSource.POSTMORTEM)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        indexes = [
            models.Index(fields=["status", "due_date"]),
            models.Index(fields=["owner", "status"]),
        ]

    def __str__(self) -> str:
        return self.action

    def clean(self) -> None:
        problem = due_date_problem(self.due_date)
        if problem:
            raise ValidationError({"due_date": problem})

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date < timezone.now().date()


class ReviewMeeting(models.Model):
    """Runbook 4.2: a 30-minute review of the post-mortem."""

    DEFAULT_DURATION = timedelta(minutes=30)

    postmortem = models.ForeignKey(
        PostMortem, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("post-mortem")
    )
    uid = models.UUIDField(
        _("UID"), default=uuid.uuid4, unique=True, editable=False, help_text=_("Calendar invite identity.")
    )
    starts_at = models.DateTimeField(_("starts at"))
    duration = models.DurationField(_("duration"), default=DEFAULT_DURATION, editable=False)
    location = models.CharField(_("location"), max_length=300, blank=True, help_text=_("Room or video call link."))
    notes = models.TextField(_("notes"), blank=True)
    sequence = models.PositiveIntegerField(
        _("sequence"), default=0, editable=False, help_text=_("Invite revision (iCalendar).")
    )
    invite_sent_at = models.DateTimeField(_("invite sent at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("review meeting")
        verbose_name_plural = _("review meetings")

    def __str__(self) -> str:
        return gettext("Review of %(reference)s at %(starts)s UTC") % {
            "reference": self.postmortem.incident.reference,
            "starts": f"{self.starts_at.astimezone(UTC):%Y-%m-%d %H:%M}",
        }

    @property
    def ends_at(self):
        return self.starts_at + self.duration


class AttendeeRole(models.TextChoices):
    INCIDENT_COMMANDER = "incident_commander", _("Incident commander")
    ENGINEER = "engineer", _("Engineer involved")
    ENGINEERING_MANAGER = "engineering_manager", _("Engineering manager")
    PRODUCT_MANAGER = "product_manager", _("Product manager (optional)")
    CUSTOMER_SUCCESS = "customer_success", _("Customer success (optional)")


OPTIONAL_ROLES = (AttendeeRole.PRODUCT_MANAGER, AttendeeRole.CUSTOMER_SUCCESS)


class MeetingAttendee(models.Model):
    meeting = models.ForeignKey(
        ReviewMeeting, on_delete=models.CASCADE, related_name="attendees", verbose_name=_("review meeting")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=20, choices=AttendeeRole.choices)
    attended = models.BooleanField(
        _("attended"), null=True, blank=True, help_text=_("Empty until the meeting took place.")
    )

    class Meta:
        ordering = ["meeting", "role", "id"]
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="attendee_unique_user")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @property
    def optional(self) -> bool:
        return self.role in OPTIONAL_ROLES


# Runbook 4.2 agenda: (title, minutes), 30 minutes in all. The titles are stored with each meeting, in the
# site's language (translated when the meeting is scheduled).
REVIEW_AGENDA = (
    (gettext_noop("Timeline review"), 5),
    (gettext_noop("Root cause discussion"), 10),
    (gettext_noop("Response assessment"), 5),
    (gettext_noop("Action item assignment"), 5),
    (gettext_noop("Lessons learned"), 5),
)


class AgendaItem(models.Model):
    meeting = models.ForeignKey(
        ReviewMeeting, on_delete=models.CASCADE, related_name="agenda", verbose_name=_("review meeting")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=200)
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["meeting", "position"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda")
        constraints = [models.UniqueConstraint(fields=["meeting", "position"], name="agenda_unique_position")]

    def __str__(self) -> str:
        return gettext("%(title)s (%(minutes)s min)") % {"title": self.title, "minutes": self.minutes}
