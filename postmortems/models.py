"""Post-incident review: post-mortems, review meetings and action items (runbook section 4)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from incidents.models import Incident, TimelineEntry


class PostMortemStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"


class PostMortem(models.Model):
    """Runbook 4.1: one per incident. Date, severity, duration and SLA impact derive from the incident."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="postmortem")
    status = models.CharField(max_length=10, choices=PostMortemStatus.choices, default=PostMortemStatus.DRAFT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authored_postmortems",
        help_text="The reporter of the template; reminders go to this person.",
    )
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="reviewed_postmortems")

    summary = models.TextField(blank=True, help_text="Two or three sentences.")
    what_happened = models.TextField(blank=True, verbose_name="what happened?")
    detection = models.TextField(
        blank=True, verbose_name="how did we detect it?", help_text="Monitoring/alert details."
    )

    users_affected_pct = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        verbose_name="users affected (%)",
    )
    features_affected = models.TextField(blank=True, help_text="One per line.")
    data_impact = models.TextField(blank=True, help_text="Empty means none.")

    went_well = models.TextField(blank=True, verbose_name="what went well?", help_text="One per line.")
    could_be_better = models.TextField(
        blank=True, verbose_name="what could have gone better?", help_text="One per line."
    )
    learned = models.TextField(blank=True, verbose_name="what did we learn?", help_text="One per line.")

    due_at = models.DateTimeField(null=True, blank=True, help_text="When the post-mortem is due (set on resolve).")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "post-mortem"
        permissions = [("view_reports", "Can view the managers' report")]
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"Post-mortem: {self.incident.reference}"

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

    postmortem = models.ForeignKey(PostMortem, on_delete=models.CASCADE, related_name="timeline")
    source = models.ForeignKey(TimelineEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()
    text = models.TextField()
    included = models.BooleanField(default=True, help_text="Shown in the post-mortem and its exports.")

    class Meta:
        ordering = ["postmortem", "at", "id"]
        verbose_name_plural = "post-mortem timeline entries"
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

    postmortem = models.ForeignKey(PostMortem, on_delete=models.CASCADE, related_name="whys")
    position = models.PositiveSmallIntegerField()
    question = models.CharField(max_length=300, help_text="Why ...?")
    answer = models.TextField(blank=True)

    class Meta:
        ordering = ["postmortem", "position"]
        verbose_name = "why"
        verbose_name_plural = "5 whys"
        constraints = [models.UniqueConstraint(fields=["postmortem", "position"], name="fivewhy_unique_position")]

    def __str__(self) -> str:
        return f"{self.position}. {self.question}"


class AttachmentKind(models.TextChoices):
    LOGS = "logs", "Logs"
    METRICS = "metrics", "Metrics"
    SCREENSHOT = "screenshot", "Screenshot"
    OTHER = "other", "Other"


class Attachment(models.Model):
    postmortem = models.ForeignKey(PostMortem, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=12, choices=AttachmentKind.choices, default=AttachmentKind.LOGS)
    file = models.FileField(upload_to="postmortems/%Y/%m/")
    caption = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["postmortem", "kind", "uploaded_at"]

    def __str__(self) -> str:
        return self.caption or self.filename

    @property
    def filename(self) -> str:
        """The uploaded file's name without the storage folders."""
        return (self.file.name or "").rsplit("/", 1)[-1]


class ActionPriority(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    WONT_DO = "wont_do", "Won't do"


OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
CLOSED_ACTION_STATUSES = (ActionStatus.DONE, ActionStatus.WONT_DO)


class ActionSource(models.TextChoices):
    POSTMORTEM = "postmortem", "Post-mortem"
    REVIEW_MEETING = "review_meeting", "Review meeting"


# A due date's reminders and overdue notice are days around it: the calendar's own ends (0001-01-01,
# 9999-12-31) leave no room for them, and no action item is due that far out anyway.
EARLIEST_DUE_DATE = date(1970, 1, 1)
LATEST_DUE_DATE = date(9998, 12, 31)


def due_date_problem(due: date | None) -> str | None:
    """Why a due date cannot be used, or None."""
    if due is not None and not EARLIEST_DUE_DATE <= due <= LATEST_DUE_DATE:
        return f"Give a due date between {EARLIEST_DUE_DATE:%Y-%m-%d} and {LATEST_DUE_DATE:%Y-%m-%d}."
    return None


class ActionItem(models.Model):
    postmortem = models.ForeignKey(PostMortem, on_delete=models.CASCADE, related_name="action_items")
    meeting = models.ForeignKey(
        "ReviewMeeting", null=True, blank=True, on_delete=models.SET_NULL, related_name="action_items"
    )
    action = models.CharField(max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="action_items")
    priority = models.CharField(max_length=6, choices=ActionPriority.choices, default=ActionPriority.MEDIUM)
    due_date = models.DateField()
    status = models.CharField(max_length=12, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    source = models.CharField(max_length=14, choices=ActionSource.choices, default=ActionSource.POSTMORTEM)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_date", "id"]
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

    postmortem = models.ForeignKey(PostMortem, on_delete=models.CASCADE, related_name="meetings")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, help_text="Calendar invite identity.")
    starts_at = models.DateTimeField()
    duration = models.DurationField(default=DEFAULT_DURATION, editable=False)
    location = models.CharField(max_length=300, blank=True, help_text="Room or video call link.")
    notes = models.TextField(blank=True)
    sequence = models.PositiveIntegerField(default=0, editable=False, help_text="Invite revision (iCalendar).")
    invite_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return f"Review of {self.postmortem.incident.reference} at {self.starts_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"

    @property
    def ends_at(self):
        return self.starts_at + self.duration


class AttendeeRole(models.TextChoices):
    INCIDENT_COMMANDER = "incident_commander", "Incident commander"
    ENGINEER = "engineer", "Engineer involved"
    ENGINEERING_MANAGER = "engineering_manager", "Engineering manager"
    PRODUCT_MANAGER = "product_manager", "Product manager (optional)"
    CUSTOMER_SUCCESS = "customer_success", "Customer success (optional)"


OPTIONAL_ROLES = (AttendeeRole.PRODUCT_MANAGER, AttendeeRole.CUSTOMER_SUCCESS)


class MeetingAttendee(models.Model):
    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=20, choices=AttendeeRole.choices)
    attended = models.BooleanField(null=True, blank=True, help_text="Empty until the meeting took place.")

    class Meta:
        ordering = ["meeting", "role", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="attendee_unique_user")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @property
    def optional(self) -> bool:
        return self.role in OPTIONAL_ROLES


# Runbook 4.2 agenda: (title, minutes), 30 minutes in all.
REVIEW_AGENDA = (
    ("Timeline review", 5),
    ("Root cause discussion", 10),
    ("Response assessment", 5),
    ("Action item assignment", 5),
    ("Lessons learned", 5),
)


class AgendaItem(models.Model):
    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    minutes = models.PositiveSmallIntegerField()
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["meeting", "position"]
        constraints = [models.UniqueConstraint(fields=["meeting", "position"], name="agenda_unique_position")]

    def __str__(self) -> str:
        return f"{self.title} ({self.minutes} min)"
