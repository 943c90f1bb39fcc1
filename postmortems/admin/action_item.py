"""Action items in the admin: list filters, bulk status actions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from incidents.admin.refusals import ServiceAdmin, error_text
from postmortems import services
from postmortems.models import OPEN_ACTION_STATUSES, ActionItem, ActionStatus


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("overdue")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        overdue = Q(status__in=OPEN_ACTION_STATUSES, due_date__lt=timezone.now().date())
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


@admin.register(ActionItem)
class ActionItemAdmin(ServiceAdmin):
    list_display = ["action", "owner", "priority", "due_date", "status", "overdue", "incident", "source"]
    list_filter = ["status", "priority", OverdueFilter, "source", ("due_date", admin.DateFieldListFilter), "owner"]
    search_fields = ["action", "postmortem__incident__reference"]
    list_select_related = ["owner", "postmortem__incident"]
    autocomplete_fields = ["postmortem", "meeting"]
    fields = ["postmortem", "meeting", "action", "owner", "priority", "due_date", "status", "completed_at", "source"]
    readonly_fields = ["completed_at", "source"]
    actions = ["mark_in_progress", "mark_done", "mark_wont_do"]
    date_hierarchy = "due_date"

    def get_readonly_fields(self, request: HttpRequest, obj: ActionItem | None = None) -> Any:
        return [*self.readonly_fields, "postmortem", "meeting"] if obj else self.readonly_fields

    @admin.display(description=gettext_lazy("incident"), ordering="postmortem__incident__reference")
    def incident(self, obj: ActionItem) -> str:
        return obj.postmortem.incident.reference

    @admin.display(description=gettext_lazy("overdue"), boolean=True)
    def overdue(self, obj: ActionItem) -> bool:
        return obj.is_overdue

    def save_model(self, request: HttpRequest, obj: ActionItem, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changes = {n: data[n] for n in services.ACTION_EDITABLE_FIELDS if n in form.changed_data}
            services.action_item_update(obj, status=data["status"], by=request.user, **changes)
        else:
            item = services.action_item_create(
                postmortem=data["postmortem"],
                meeting=data.get("meeting"),
                action=data["action"],
                owner=data["owner"],
                priority=data["priority"],
                due_date=data["due_date"],
                status=data["status"],
                by=request.user,
            )
            obj.pk = item.pk

    def _set_status(self, request: HttpRequest, queryset: QuerySet[ActionItem], status: str) -> None:
        done, refused = 0, []
        for item in queryset:
            try:
                services.action_item_set_status(item, status=status, by=request.user)
            except ValidationError as error:
                refused.append(error_text(error))
            else:
                done += 1
                self.log_change(request, item, f"status {status}")
        if done:
            self.message_user(
                request,
                ngettext("%(count)d action item updated.", "%(count)d action items updated.", done) % {"count": done},
                messages.SUCCESS,
            )
        for reason in refused:
            self.message_user(request, _("Refused: %(reason)s") % {"reason": reason}, messages.WARNING)

    @admin.action(description=gettext_lazy("Mark selected as in progress"), permissions=["change"])
    def mark_in_progress(self, request: HttpRequest, queryset: QuerySet[ActionItem]) -> None:
        self._set_status(request, queryset, ActionStatus.IN_PROGRESS)

    @admin.action(description=gettext_lazy("Mark selected as done"), permissions=["change"])
    def mark_done(self, request: HttpRequest, queryset: QuerySet[ActionItem]) -> None:
        self._set_status(request, queryset, ActionStatus.DONE)

    @admin.action(description=gettext_lazy("Mark selected as won't do"), permissions=["change"])
    def mark_wont_do(self, request: HttpRequest, queryset: QuerySet[ActionItem]) -> None:
        self._set_status(request, queryset, ActionStatus.WONT_DO)
