"""Admin for the timer engine: escalation policies (with a preview of who is paged when), on-call
rotations (who is on call now and next) and the notification outbox (status, error, retry)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from incidents import notify, oncall
from incidents.timer_models import (
    EscalationPolicy,
    EscalationStep,
    Notification,
    NotificationStatus,
    Rotation,
    RotationMember,
    RotationOverride,
    format_offset,
    validate_apprise_url,
)
from incidents.timers import step_targets


class EscalationStepForm(forms.ModelForm):
    class Meta:
        model = EscalationStep
        fields = ["offset", "tier", "on_call_rotation", "users", "groups", "apprise_urls", "stop_condition"]
        widgets = {"apprise_urls": forms.Textarea(attrs={"rows": 2, "cols": 50})}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("DELETE"):
            return data
        has_target = (
            data.get("on_call_rotation") or data.get("users") or data.get("groups") or data.get("apprise_urls", "")
        )
        if not has_target:
            raise ValidationError(
                "A step needs at least one target: the on-call person of a rotation, users, groups or Apprise URLs."
            )
        return data


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
    form = EscalationStepForm
    extra = 0
    filter_horizontal = ["users", "groups"]


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "severity", "path"]
    inlines = [EscalationStepInline]
    readonly_fields = ["preview"]
    fields = ["severity", "name", "description", "preview"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[EscalationPolicy]:
        return super().get_queryset(request).select_related("severity").prefetch_related("steps")

    @admin.display(description="escalation path")
    def path(self, obj: EscalationPolicy) -> str:
        return " → ".join(f"+{format_offset(step.offset)} {step.tier}" for step in obj.steps.all()) or "no steps"

    @admin.display(description="who would be paged when (for an incident starting now)")
    def preview(self, obj: EscalationPolicy) -> str:
        if obj.pk is None:
            return "Save the policy to see the preview."
        start = timezone.now()
        rows = []
        steps = obj.steps.select_related("on_call_rotation").prefetch_related("users", "groups")
        for step in steps:
            at = start + step.offset
            targets = step_targets(step, at)
            who = "; ".join(f"{t.label} ({t.reason})" for t in targets) or "nobody (add people or URLs)"
            rows.append(
                (f"+{format_offset(step.offset)}", f"{at:%H:%M} UTC", step.tier, who, step.get_stop_condition_display())
            )
        if not rows:
            return "No steps yet."
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html(
            '<table class="wr-preview"><thead><tr><th>after start</th><th>at</th><th>tier</th><th>pages</th>'
            "<th>stops when</th></tr></thead><tbody>{}</tbody></table>",
            body,
        )


class RotationMemberInline(admin.TabularInline):
    model = RotationMember
    extra = 1
    autocomplete_fields = ["user"]


class RotationOverrideInline(admin.TabularInline):
    model = RotationOverride
    extra = 0
    autocomplete_fields = ["user"]


def shift_text(shift: oncall.Shift | None) -> str:
    if shift is None:
        return "nobody (add members)"
    who = shift.user.get_full_name() or shift.user.get_username()
    suffix = " (override)" if shift.is_override else ""
    return f"{who}{suffix}, {shift.starts_at:%a %d %b %H:%M} to {shift.ends_at:%a %d %b %H:%M %Z}"


@admin.register(Rotation)
class RotationAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "shift_length", "handoff_time", "on_call_now", "on_call_next"]
    inlines = [RotationMemberInline, RotationOverrideInline]
    readonly_fields = ["on_call_now", "on_call_next"]
    fields = ["name", "time_zone", "shift_length", "handoff_time", "start_date", "on_call_now", "on_call_next"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Rotation]:
        soon = timezone.now() - timedelta(days=1)
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("members", queryset=RotationMember.objects.select_related("user")),
                Prefetch(
                    "overrides", queryset=RotationOverride.objects.filter(ends_at__gt=soon).select_related("user")
                ),
            )
        )

    @admin.display(description="on call now")
    def on_call_now(self, obj: Rotation) -> str:
        return shift_text(oncall.on_call_at(obj)) if obj.pk else "-"

    @admin.display(description="next")
    def on_call_next(self, obj: Rotation) -> str:
        return shift_text(oncall.next_shift(obj)) if obj.pk else "-"


class NotificationSendForm(forms.ModelForm):
    """The admin's add page sends a one-off notification (e.g. to test a Slack URL)."""

    user = forms.ModelChoiceField(queryset=get_user_model().objects.order_by("username"), required=False)
    apprise_url = forms.CharField(
        required=False, label="Apprise URL", help_text="e.g. slack://…, mailto://…, json://host/path"
    )

    class Meta:
        model = Notification
        fields = ["subject", "body"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user, url = data.get("user"), (data.get("apprise_url") or "").strip()
        if bool(user) == bool(url):
            raise ValidationError("Choose a user or enter an Apprise URL (one of the two).")
        if url:
            try:
                validate_apprise_url(url)
            except ValidationError as error:
                self.add_error("apprise_url", error)
        return data


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "subject", "target_display", "channel", "status", "attempts", "error", "incident"]
    list_filter = ["status", "created_at"]
    list_select_related = ["user", "incident", "incident__severity"]
    search_fields = ["subject", "target", "incident__reference"]
    actions = ["retry"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "incident",
        "timer",
        "target_display",
        "channel",
        "subject",
        "body",
        "status",
        "attempts",
        "next_attempt_at",
        "queued_at",
        "sent_at",
        "last_error",
        "created_at",
    ]

    def get_fields(self, request: HttpRequest, obj: Notification | None = None) -> Any:
        return ["user", "apprise_url", "subject", "body"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Notification | None = None) -> Any:
        return [] if obj is None else self.readonly_fields

    def get_form(self, request: HttpRequest, obj: Notification | None = None, change: bool = False, **kwargs: Any):
        if obj is None:
            kwargs["form"] = NotificationSendForm
            kwargs["fields"] = ["subject", "body"]
        return super().get_form(request, obj, change=change, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False  # the outbox is a record; use "retry" to send again

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("incidents.change_notification")

    @admin.display(description="error")
    def error(self, obj: Notification) -> str:
        return obj.last_error[:120]

    def save_model(self, request: HttpRequest, obj: Notification, form: Any, change: bool) -> None:
        data = form.cleaned_data
        sent = notify.enqueue(
            timer=None,
            target=data.get("user") or data["apprise_url"].strip(),
            subject=data["subject"],
            body=data["body"],
        )
        obj.pk = sent.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Nothing related: the notification is written by notify.enqueue."""

    @admin.action(description="Retry selected notifications", permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        try:
            count = notify.retry(queryset.filter(status__in=[NotificationStatus.FAILED, NotificationStatus.PENDING]))
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.WARNING)
        else:
            self.message_user(request, f"Queued {count} notification(s) again.", messages.SUCCESS)
