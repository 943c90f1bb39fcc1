"""The status page's subscribers in the admin: their state, counts per component, CSV export, quarantine."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from incidents.admin.refusals import ServiceAdmin
from incidents.spreadsheets import spreadsheet_safe
from incidents.statuspage import subscribers
from incidents.statuspage.models import Subscriber, SubscriberState


@admin.register(Subscriber)
class SubscriberAdmin(ServiceAdmin):
    """The status page's subscribers with their state; counts per component above the list."""

    list_display = [
        "__str__",
        "kind",
        "state",
        "language",
        "component_names",
        "created_at",
        "confirmed_at",
        "failing_since",
    ]
    list_filter = ["state", "kind", "language", "components"]
    search_fields = ["email", "endpoint"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "kind",
        "email",
        "endpoint",
        "state",
        "state_reason",
        "created_at",
        "confirmed_at",
        "failing_since",
    ]
    fields = [*readonly_fields, "language", "components"]
    filter_horizontal = ["components"]
    actions = ["export_csv", "quarantine", "reactivate"]
    change_list_template = "admin/statuspage/subscriber/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # people subscribe themselves (double opt-in); nobody is subscribed for them

    def get_queryset(self, request: HttpRequest) -> QuerySet[Subscriber]:
        return super().get_queryset(request).prefetch_related("components")

    @admin.display(description=_("components"))
    def component_names(self, obj: Subscriber) -> str:
        return ", ".join(c.name for c in obj.components.all()) or gettext("all")

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra = {"subscriber_counts": subscribers.counts_per_component(), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    @admin.action(description=_("Export selected subscribers as CSV"))
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Subscriber]) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="subscribers.csv"'
        writer = csv.writer(response)
        writer.writerow(["kind", "address", "state", "components", "created_at", "confirmed_at"])
        for subscriber in queryset.prefetch_related("components").order_by("pk"):
            writer.writerow(
                [
                    subscriber.kind,
                    spreadsheet_safe(str(subscriber)),
                    subscriber.state,
                    spreadsheet_safe(self.component_names(subscriber)),
                    subscriber.created_at.isoformat(),
                    subscriber.confirmed_at.isoformat() if subscriber.confirmed_at else "",
                ]
            )
        return response

    @admin.action(description=_("Mark as bounced (quarantine: no more messages)"), permissions=["change"])
    def quarantine(self, request: HttpRequest, queryset: QuerySet[Subscriber]) -> None:
        count = subscribers.subscribers_quarantine(queryset)
        text = ngettext("%(count)d subscriber quarantined.", "%(count)d subscribers quarantined.", count)
        self.message_user(request, text % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Reactivate (confirmed subscribers only)"), permissions=["change"])
    def reactivate(self, request: HttpRequest, queryset: QuerySet[Subscriber]) -> None:
        count = subscribers.subscribers_reactivate(queryset.exclude(state=SubscriberState.ACTIVE))
        text = ngettext("%(count)d subscriber reactivated.", "%(count)d subscribers reactivated.", count)
        self.message_user(request, text % {"count": count}, messages.SUCCESS)

    def save_model(self, request: HttpRequest, obj: Subscriber, form: Any, change: bool) -> None:
        subscribers.subscriber_components_set(
            obj, form.cleaned_data["components"], language=form.cleaned_data.get("language")
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The components are written by the service in save_model."""

    def delete_model(self, request: HttpRequest, obj: Subscriber) -> None:
        subscribers.subscribers_delete([obj])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Subscriber]) -> None:
        subscribers.subscribers_delete(queryset)
