"""Admin for the public status page: the cockpit's "Publish status update" form and scheduled maintenance."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from incidents import status_services
from incidents.models import (
    OPEN_STATUSES,
    Component,
    ComponentStatus,
    Incident,
    MaintenanceUpdate,
    PublicIncidentStatus,
    ScheduledMaintenance,
    StatusUpdate,
)
from incidents.statuspage import shortlink

# Runbook 3.3 wording, offered as the message for each public status.
SUGGESTED_BODIES = {
    PublicIncidentStatus.INVESTIGATING: "We are investigating reports of service unavailability.",
    PublicIncidentStatus.IDENTIFIED: "We have identified the root cause and are implementing a fix.",
    PublicIncidentStatus.MONITORING: "A fix has been implemented and we are monitoring the results.",
    PublicIncidentStatus.RESOLVED: "Service has been fully restored. We will provide a post-mortem within 24 hours.",
    PublicIncidentStatus.POSTMORTEM: "The post-mortem of this incident has been published.",
}
UNCHANGED = ""


def default_public_status(incident: Incident) -> str:
    if incident.status in OPEN_STATUSES:
        return str(incident.status)
    return PublicIncidentStatus.RESOLVED


class StatusUpdateForm(forms.Form):
    status = forms.ChoiceField(choices=PublicIncidentStatus.choices)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000)

    def __init__(self, *args: Any, components: list[Component], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.components = components
        for component in components:
            self.fields[f"component-{component.pk}"] = forms.ChoiceField(
                choices=[(UNCHANGED, "unchanged"), *ComponentStatus.choices], required=False, label=component.name
            )

    def component_statuses(self) -> dict[Component, str]:
        return {
            component: self.cleaned_data[f"component-{component.pk}"]
            for component in self.components
            if self.cleaned_data.get(f"component-{component.pk}")
        }


def cockpit_context(incident: Incident, *, can_command: bool) -> dict[str, Any]:
    """What the cockpit's status-page blocks need."""
    components = list(Component.objects.order_by("group", "position", "name"))
    affected = {c.pk for c in incident.components.all()}
    components.sort(key=lambda c: c.pk not in affected)  # the incident's own components first
    status = default_public_status(incident)
    updates = (
        StatusUpdate.objects.filter(incident=incident)
        .select_related("author")
        .prefetch_related("affected_components__component")
        .order_by("-display_at", "-id")
    )
    return {
        "status_update_form": StatusUpdateForm(
            initial={"status": status, "body": SUGGESTED_BODIES[PublicIncidentStatus(status)]}, components=components
        )
        if can_command
        else None,
        "status_update_components": components,
        "status_update_suggestions": {str(k): v for k, v in SUGGESTED_BODIES.items()},
        "status_updates": updates,
        "status_shortlink": shortlink(incident.public_id) if incident.public else None,
        "can_withdraw_updates": can_command,
    }


def publish_from_cockpit(request: HttpRequest, incident: Incident) -> str:
    components = list(Component.objects.all())
    form = StatusUpdateForm(request.POST, components=components)
    if not form.is_valid():
        raise ValidationError(form.errors.as_text())
    update = status_services.status_update_publish(
        incident,
        status=form.cleaned_data["status"],
        body=form.cleaned_data["body"],
        by=request.user,
        component_statuses=form.component_statuses(),
    )
    return f"status update published ({update.get_status_display().lower()})"


def withdraw_from_cockpit(request: HttpRequest, incident: Incident) -> str:
    update = get_object_or_404(StatusUpdate, pk=request.POST.get("update"), incident=incident)
    status_services.status_update_withdraw(update, by=request.user)
    return "status update withdrawn from the status page"


class MaintenanceForm(forms.ModelForm):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Public message",
        help_text="Posted with this change; a standard message is used when empty and the status changes.",
    )

    class Meta:
        model = ScheduledMaintenance
        fields = ["name", "status", "impact", "scheduled_for", "scheduled_until", "components"]


class MaintenanceUpdateInline(admin.TabularInline):
    model = MaintenanceUpdate
    fields = ("display_at", "status", "body", "author")
    readonly_fields = ("display_at", "status", "body", "author")
    extra = 0
    can_delete = False
    ordering = ["-display_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ScheduledMaintenance)
class ScheduledMaintenanceAdmin(admin.ModelAdmin):
    form = MaintenanceForm
    list_display = ["name", "status", "impact", "scheduled_for", "scheduled_until"]
    list_filter = ["status", "impact"]
    search_fields = ["name"]
    filter_horizontal = ["components"]
    date_hierarchy = "scheduled_for"
    inlines = [MaintenanceUpdateInline]
    fields = ["name", "status", "impact", "scheduled_for", "scheduled_until", "components", "body"]

    def save_model(self, request: HttpRequest, obj: ScheduledMaintenance, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            details = {name: data[name] for name in status_services.MAINTENANCE_FIELDS if name in form.changed_data}
            saved = status_services.maintenance_update(
                obj,
                by=request.user,
                status=data["status"],
                components=data["components"],
                body=data.get("body", ""),
                **details,
            )
        else:
            saved = status_services.maintenance_create(
                by=request.user,
                name=data["name"],
                status=data["status"],
                impact=data["impact"],
                scheduled_for=data["scheduled_for"],
                scheduled_until=data["scheduled_until"],
                components=data["components"],
                body=data.get("body", ""),
            )
        obj.pk = saved.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Components and updates are written by the services in save_model; the inline is read-only."""
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
