"""Severity policies (runbook section 1) and the components shown on the status page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from incidents import services
from incidents.admin.refusals import ServiceAdmin, saved_pk
from incidents.models import Component, SeverityPolicy


def severity_badge(policy: SeverityPolicy) -> str:
    return format_html(
        '<span class="wr-badge" data-swatch="{}" title="{}">{}</span>', policy.colour, policy.name, policy.level
    )


@admin.register(SeverityPolicy)
class SeverityPolicyAdmin(SimpleHistoryAdmin, ServiceAdmin):
    list_display = ["level", "name", "response_target", "resolution_target", "update_cadence", "colour_swatch"]
    ordering = ["level"]

    def save_model(self, request: HttpRequest, obj: SeverityPolicy, form: Any, change: bool) -> None:
        services.severity_policy_save(obj, by=request.user)

    def has_delete_permission(self, request: HttpRequest, obj: SeverityPolicy | None = None) -> bool:
        return False  # incidents keep their severity; edit a policy instead of removing it

    @admin.display(description=_("colour"))
    def colour_swatch(self, obj: SeverityPolicy) -> str:
        return severity_badge(obj)


@admin.register(Component)
class ComponentAdmin(ServiceAdmin):
    list_display = ["name", "group", "position", "status", "updated_at"]
    list_editable = ["position", "status"]
    list_filter = ["status", "group"]
    search_fields = ["name", "description"]
    fields = ["name", "description", "group", "position", "status", "uptime_enabled"]

    def save_model(self, request: HttpRequest, obj: Component, form: Any, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in services.COMPONENT_FIELDS if name in form.cleaned_data}
        if change:
            changed = {name: value for name, value in data.items() if name in form.changed_data}
            saved = services.component_update(obj, by=request.user, **changed)
        else:
            saved = services.component_create(by=request.user, **data)
        saved_pk(obj, saved)

    def delete_model(self, request: HttpRequest, obj: Component) -> None:
        services.component_delete(obj, by=request.user)
