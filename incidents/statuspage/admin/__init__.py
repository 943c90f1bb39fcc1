"""Admin for the public status page: the cockpit's "Publish status update" form and scheduled maintenance."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from incidents import cockpit
from incidents.admin.conflicts import keep_input, kept_input, posted_version
from incidents.admin.refusals import ServiceAdmin, error_text, saved_pk
from incidents.models import OPEN_STATUSES, Component, ComponentStatus, Incident, shortlink
from incidents.roles import COMMAND_PERMISSION as COMMAND
from incidents.services import IncidentConflict
from incidents.statuspage import selectors, services, subscribers
from incidents.statuspage.models import (
    MaintenanceUpdate,
    PublicIncidentStatus,
    ScheduledMaintenance,
    StatusUpdate,
)

# Runbook 3.3 wording, offered as the message for each public status.
SUGGESTED_BODIES = {
    PublicIncidentStatus.INVESTIGATING: _("We are investigating reports of service unavailability."),
    PublicIncidentStatus.IDENTIFIED: _("We have identified the root cause and are implementing a fix."),
    PublicIncidentStatus.MONITORING: _("A fix has been implemented and we are monitoring the results."),
    PublicIncidentStatus.RESOLVED: _("Service has been fully restored. We will provide a post-mortem within 24 hours."),
    PublicIncidentStatus.POSTMORTEM: _("The post-mortem of this incident has been published."),
}
UNCHANGED = ""


def default_public_status(incident: Incident) -> str:
    if incident.status in OPEN_STATUSES:
        return str(incident.status)
    return PublicIncidentStatus.RESOLVED


class StatusUpdateForm(forms.Form):
    status = forms.ChoiceField(choices=PublicIncidentStatus.choices)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000)
    deliver_notifications = forms.BooleanField(required=False)

    def __init__(self, *args: Any, components: list[Component], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.components = components
        for component in components:
            self.fields[f"component-{component.pk}"] = forms.ChoiceField(
                choices=[(UNCHANGED, _("unchanged")), *ComponentStatus.choices], required=False, label=component.name
            )

    def component_statuses(self) -> dict[Component, str]:
        return {
            component: self.cleaned_data[f"component-{component.pk}"]
            for component in self.components
            if self.cleaned_data.get(f"component-{component.pk}")
        }


PUBLISH_FORM = "statuspage.publish"


def publish_panel(request: HttpRequest, incident: Incident) -> dict[str, Any] | None:
    """The cockpit's "Publish status update" form, for commanders: per component, its stored status,
    what the public sees now and what it will see once published; and when the next update is due.
    After a refused (stale) publish, the author's message and choices are shown again for review."""
    if not request.user.has_perm(COMMAND):
        return None
    components = list(Component.objects.order_by("group", "position", "name"))
    affected = {c.pk for c in incident.components.all()}
    components.sort(key=lambda c: c.pk not in affected)  # the incident's own components first
    kept = kept_input(request, incident, PUBLISH_FORM)
    status = kept.get("status") or default_public_status(incident)
    if status not in PublicIncidentStatus.values:
        status = default_public_status(incident)
    body = kept.get("body") or str(SUGGESTED_BODIES[PublicIncidentStatus(status)])
    chosen = {
        component.pk: choice
        for component in components
        if (choice := kept.get(f"component-{component.pk}", "")) in ComponentStatus.values
    }
    outlook = selectors.publish_outlook(incident, components, public_status=status, selected=chosen)
    published = StatusUpdate.objects.filter(incident=incident, published=True).exists()
    return {
        "status_update_form": StatusUpdateForm(initial={"status": status, "body": body}, components=components),
        "status_update_components": components,
        "status_update_outlook": outlook,
        "status_update_outlook_data": _outlook_data(incident, outlook),
        "status_update_choices": ComponentStatus.choices,
        "status_update_deliver": kept.get("deliver_notifications", incident.public),
        "status_update_suggestions": {str(k): str(v) for k, v in SUGGESTED_BODIES.items()},
        "status_update_audience": subscribers.audience_size(incident),
        "status_update_published": published,
        "status_update_next_due": cockpit.incident_fact(cockpit.NEXT_UPDATE_DUE, incident)
        if incident.is_open
        else None,
    }


def _outlook_data(incident: Incident, outlook: list[selectors.ComponentOutlook]) -> dict[str, Any]:
    """What publish.js needs to recompute "after publishing" as the form's choices change."""
    return {
        "rank": {str(status): rank for status, rank in selectors.COMPONENT_RANK.items()},
        "labels": {str(value): str(label) for value, label in ComponentStatus.choices},
        "unresolved": [str(status) for status in selectors.UNRESOLVED_PUBLIC_STATUSES],
        "public": incident.public,
        "raisesTo": selectors.incident_raises_to(incident),
        "components": {
            str(row.component.pk): {
                "stored": row.stored,
                "raisedByOthers": row.raised_by_others,
                "affected": row.affected,
            }
            for row in outlook
        },
    }


def updates_panel(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    """The incident's public updates and its public page."""
    updates = (
        StatusUpdate.objects.filter(incident=incident)
        .select_related("author")
        .prefetch_related("affected_components__component")
        .order_by("-display_at", "-id")
    )
    return {
        "status_updates": updates,
        "status_shortlink": shortlink(incident.public_id) if incident.public else None,
        "can_withdraw_updates": request.user.has_perm(COMMAND),
    }


class MaintenanceForm(forms.ModelForm):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label=_("Public message"),
        help_text=_("Posted with this change; a standard message is used when empty and the status changes."),
    )
    deliver_notifications = forms.BooleanField(
        required=False,
        initial=True,
        label=_("Tell subscribers"),
        help_text=_("Send the update posted with this change to the subscribers of its components."),
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
class ScheduledMaintenanceAdmin(ServiceAdmin):
    form = MaintenanceForm
    list_display = ["name", "status", "impact", "scheduled_for", "scheduled_until"]
    list_filter = ["status", "impact"]
    search_fields = ["name"]
    filter_horizontal = ["components"]
    date_hierarchy = "scheduled_for"
    inlines = [MaintenanceUpdateInline]
    fields = [
        "name",
        "status",
        "impact",
        "scheduled_for",
        "scheduled_until",
        "components",
        "body",
        "deliver_notifications",
    ]

    def save_model(self, request: HttpRequest, obj: ScheduledMaintenance, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            details = {name: data[name] for name in services.MAINTENANCE_FIELDS if name in form.changed_data}
            saved = services.maintenance_update(
                obj,
                by=request.user,
                status=data["status"],
                components=data["components"],
                body=data.get("body", ""),
                deliver_notifications=data.get("deliver_notifications", False),
                **details,
            )
        else:
            saved = services.maintenance_create(
                by=request.user,
                name=data["name"],
                status=data["status"],
                impact=data["impact"],
                scheduled_for=data["scheduled_for"],
                scheduled_until=data["scheduled_until"],
                components=data["components"],
                body=data.get("body", ""),
                deliver_notifications=data.get("deliver_notifications", False),
            )
        saved_pk(obj, saved)

    def delete_model(self, request: HttpRequest, obj: ScheduledMaintenance) -> None:
        services.maintenance_delete(obj, by=request.user)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Components and updates are written by the services in save_model; the inline is read-only."""
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


@admin.register(StatusUpdate)
class StatusUpdateAdmin(ServiceAdmin):
    """Every public update, newest first; published from the cockpit, withdrawn here or there."""

    list_display = ["display_at", "incident", "status", "short_body", "published", "author"]
    list_filter = ["status", "published"]
    list_select_related = ["incident", "author"]
    search_fields = ["body", "incident__reference", "incident__title"]
    date_hierarchy = "display_at"
    actions = ["withdraw_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # published from the incident's cockpit, which moves the incident with it

    def has_change_permission(self, request: HttpRequest, obj: StatusUpdate | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: StatusUpdate | None = None) -> bool:
        return False  # withdrawn, never deleted: the timeline refers to it

    def has_withdraw_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(COMMAND)

    @admin.display(description=_("message"))
    def short_body(self, obj: StatusUpdate) -> str:
        return obj.body[:100]

    @admin.action(description=_("Withdraw selected updates from the status page"), permissions=["withdraw"])
    def withdraw_selected(self, request: HttpRequest, queryset: QuerySet[StatusUpdate]) -> None:
        for update in queryset.filter(published=True):
            services.status_update_withdraw(update, by=request.user)
        self.message_user(request, gettext("Withdrawn from the status page."), messages.SUCCESS)

    def get_urls(self) -> list:
        return [
            path(
                "incident/<int:pk>/<str:action>/",
                self.admin_site.admin_view(require_POST(self.cockpit_view)),
                name="statuspage_statusupdate_cockpit",
            ),
            *super().get_urls(),
        ]

    def cockpit_view(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        """The cockpit's "Publish status update" and "Withdraw" forms post here."""
        incident = get_object_or_404(Incident, pk=pk)
        if not request.user.has_perm(COMMAND):
            raise PermissionDenied
        try:
            if action == "publish":
                done = self._publish(request, incident)
            elif action == "withdraw":
                update = get_object_or_404(StatusUpdate, pk=request.POST.get("update"), incident=incident)
                services.status_update_withdraw(update, by=request.user)
                done = gettext("status update withdrawn from the status page")
            else:
                raise ValidationError(gettext("Unknown action %(action)r.") % {"action": action})
        except IncidentConflict as conflict:
            # The cockpit is shown again with the fresh state; the author's message and choices are kept.
            keep_input(request, incident, PUBLISH_FORM, self._typed(request))
            self.message_user(request, error_text(conflict), messages.ERROR)
        except ValidationError as error:
            self.message_user(request, error_text(error), messages.ERROR)
        else:
            self.message_user(
                request,
                gettext("%(reference)s: %(done)s") % {"reference": incident.reference, "done": done},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:incidents_incident_change", args=[incident.pk]))

    @staticmethod
    def _typed(request: HttpRequest) -> dict[str, Any]:
        typed: dict[str, Any] = {
            name: value
            for name, value in request.POST.items()
            if name.startswith("component-") and value in ComponentStatus.values
        }
        typed["status"] = request.POST.get("status", "")
        typed["body"] = request.POST.get("body", "")[:10_000]
        typed["deliver_notifications"] = bool(request.POST.get("deliver_notifications"))
        return typed

    def _publish(self, request: HttpRequest, incident: Incident) -> str:
        form = StatusUpdateForm(request.POST, components=list(Component.objects.all()))
        if not form.is_valid():
            raise ValidationError(form.errors.as_text())
        update = services.status_update_publish(
            incident,
            status=form.cleaned_data["status"],
            body=form.cleaned_data["body"],
            by=request.user,
            component_statuses=form.component_statuses(),
            deliver_notifications=form.cleaned_data["deliver_notifications"],
            expected_version=posted_version(request),
        )
        status = update.get_status_display().lower()
        if update.deliver_notifications and incident.public:
            return gettext("status update published (%(status)s), subscribers will be told") % {"status": status}
        return gettext("status update published (%(status)s)") % {"status": status}


def status_page_state() -> Subquery:
    """Changes when an update of the incident is published or withdrawn."""
    rows = StatusUpdate.objects.filter(incident=OuterRef("pk"))
    return cockpit.aggregate_of(rows, "incident", Count("pk"), Count("pk", filter=Q(published=True)), Max("updated_at"))


def components_state() -> Subquery:
    """Changes when any component's status changes (the publish form lists every component's status)."""
    return Subquery(Component.objects.order_by("-updated_at").values("updated_at")[:1])


def register_cockpit_panels() -> None:
    cockpit.register_state_part("statuspage.updates", status_page_state)
    cockpit.register_state_part("statuspage.components", components_state)
    cockpit.register_panel(
        cockpit.Panel(
            "statuspage.publish",
            "admin/statuspage/panels/publish.html",
            publish_panel,
            cockpit.HEADER,
            20,
        )
    )
    cockpit.register_panel(
        cockpit.Panel("statuspage.updates", "admin/statuspage/panels/updates.html", updates_panel, cockpit.SIDE, 40)
    )


# The subscribers' admin, in its own module, registers itself on import.
from incidents.statuspage.admin import subscriber_admin  # noqa: E402, F401
