"""The outbox in the admin: every message with its status and error, a retry action, and a one-off
test message from the add page (e.g. to check a Slack URL)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from incidents.outbox import services
from incidents.outbox.channels import target_key
from incidents.outbox.models import Notification, NotificationStatus


class NotificationSendForm(forms.ModelForm):
    """The admin's add page sends a one-off notification (e.g. to test a Slack URL)."""

    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.order_by("username"), required=False, label=gettext_lazy("User")
    )
    apprise_url = forms.CharField(
        required=False,
        label=gettext_lazy("Address or Apprise URL"),
        help_text=gettext_lazy("an email address, or e.g. slack://…, msteams://…, json://host/path"),
    )

    class Meta:
        model = Notification
        fields = ["subject", "body"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user, url = data.get("user"), (data.get("apprise_url") or "").strip()
        if bool(user) == bool(url):
            raise ValidationError(_("Choose a user or enter an address or Apprise URL (one of the two)."))
        if url:
            try:
                target_key(url)
            except ValidationError as error:
                self.add_error("apprise_url", error)
        return data


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "subject", "target_display", "channel", "status", "attempts", "error", "about"]
    list_filter = ["status", "created_at"]
    list_select_related = ["user", "about_type"]
    search_fields = ["subject", "target"]
    actions = ["retry"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "about",
        "dedupe_key",
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

    def get_search_fields(self, request: HttpRequest) -> Any:
        """Searching the raw target would let anyone guess a URL's token character by character."""
        return self.search_fields if request.user.has_perm("outbox.change_notification") else ["subject"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notification]:
        return super().get_queryset(request).prefetch_related("about")

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
        return request.user.has_perm("outbox.change_notification")

    @admin.display(description=gettext_lazy("error"))
    def error(self, obj: Notification) -> str:
        return obj.last_error[:120]

    def save_model(self, request: HttpRequest, obj: Notification, form: Any, change: bool) -> None:
        data = form.cleaned_data
        sent = services.enqueue(
            target=data.get("user") or data["apprise_url"].strip(),
            subject=data["subject"],
            body=data["body"],
        )
        obj.pk = sent.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Nothing related: the notification is written by services.enqueue."""

    @admin.action(description=gettext_lazy("Retry selected notifications"), permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        try:
            count = services.retry(queryset.filter(status__in=[NotificationStatus.FAILED, NotificationStatus.PENDING]))
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.WARNING)
        else:
            self.message_user(
                request,
                ngettext("Queued %(count)s notification again.", "Queued %(count)s notifications again.", count)
                % {"count": count},
                messages.SUCCESS,
            )
