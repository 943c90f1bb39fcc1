"""The commander's cockpit: the incident list and change page. Every state change goes through
incidents.services; the panels of other packages come from incidents.cockpit."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext, pgettext_lazy
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from incidents import cockpit, live, selectors, services
from incidents.admin import roles as roles_panel
from incidents.admin.conflicts import keep_input, kept_input, posted_version
from incidents.admin.incident_live import TIMELINE_SHOWN, LiveCockpitViews
from incidents.admin.palette import incident_search_view
from incidents.admin.refusals import ServiceAdmin, error_text, saved_pk
from incidents.admin.severity import severity_badge
from incidents.forms import IncidentDeclareForm, IncidentDetailsForm, NoteForm, SeverityChangeForm
from incidents.models import OPEN_STATUSES, ChecklistItem, Incident, IncidentStatus, SeverityPolicy
from incidents.roles import COMMAND_PERMISSION as COMMAND
from incidents.severity import ImpactFacts, suggest_severity
from incidents.timezones import time_html

PERCENT = re.compile(r"[0-9]{1,3}")
# What a changelist action did, for the admin log.
BULK_DONE = {"acknowledged": gettext_lazy("acknowledged"), "resolved": gettext_lazy("resolved")}


# The SLA clock codes of Incident.next_sla_deadline, as the cockpit names them.
SLA_CLOCKS = {
    "acknowledge": pgettext_lazy("SLA clock", "acknowledge"),
    "resolve": pgettext_lazy("SLA clock", "resolve"),
}


def sla_state(incident: Incident) -> str:
    deadline = incident.next_sla_deadline
    if incident.breached:
        return format_html('<span class="wr-sla wr-sla-breached">{}</span>', pgettext("SLA state", "breached"))
    if deadline is None:
        if not incident.is_open:
            return format_html('<span class="wr-sla wr-sla-ok">{}</span>', pgettext("SLA state", "met"))
        return _("best effort")
    clock, due = deadline
    return format_html(
        '<span class="wr-sla wr-sla-running" data-due="{}">{}</span>',
        due.isoformat(),
        _("%(time)s left to %(clock)s")
        % {"time": timesince(timezone.now(), due), "clock": SLA_CLOCKS.get(clock, clock)},
    )


class BreachFilter(admin.SimpleListFilter):
    title = gettext_lazy("SLA")
    parameter_name = "sla"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("breached", pgettext("SLA filter", "Breached")), ("ok", _("Within target"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "breached":
            return queryset.filter(sla_breached=True)
        if self.value() == "ok":
            return queryset.filter(sla_breached=False)
        return queryset


class OpenFilter(admin.SimpleListFilter):
    title = pgettext_lazy("incident filter", "open")
    parameter_name = "open"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", pgettext("incident filter", "Open")), ("no", _("Resolved or closed"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(status__in=OPEN_STATUSES)
        if self.value() == "no":
            return queryset.exclude(status__in=OPEN_STATUSES)
        return queryset


# Buttons of the cockpit: (status, label) in the order they are offered.
MOVE_LABELS = {
    IncidentStatus.INVESTIGATING: gettext_lazy("Back to investigating"),
    IncidentStatus.IDENTIFIED: gettext_lazy("Mark identified"),
    IncidentStatus.MONITORING: gettext_lazy("Start monitoring"),
    IncidentStatus.RESOLVED: pgettext_lazy("button", "Resolve"),
    IncidentStatus.CLOSED: pgettext_lazy("button", "Close"),
}
# What a cockpit action did, for the admin message and the admin log ("INC-7: moved to resolved").
MOVED_TO: dict[str, Any] = {
    IncidentStatus.INVESTIGATING: gettext_lazy("moved to investigating"),
    IncidentStatus.IDENTIFIED: gettext_lazy("moved to identified"),
    IncidentStatus.MONITORING: gettext_lazy("moved to monitoring"),
    IncidentStatus.RESOLVED: gettext_lazy("moved to resolved"),
    IncidentStatus.CLOSED: gettext_lazy("moved to closed"),
}


TIMES = gettext_lazy("Times")


@admin.register(Incident)
class IncidentAdmin(SimpleHistoryAdmin, ServiceAdmin, LiveCockpitViews):
    list_display = ["reference", "title", "severity_display", "status", "started", "age", "sla_display", "commander"]
    list_display_links = ["reference", "title"]
    list_filter = [
        OpenFilter,
        "severity",
        "status",
        BreachFilter,
        "components",
        ("started_at", admin.DateFieldListFilter),
    ]
    search_fields = ["reference", "title"]
    date_hierarchy = "started_at"
    list_per_page = 50
    actions = ["acknowledge_selected", "resolve_selected"]
    autocomplete_fields = ["commander", "responders", "components"]
    change_form_template = "admin/incidents/incident/change_form.html"
    add_form_template = "admin/incidents/incident/add_form.html"
    readonly_fields = [
        "reference",
        "severity",
        "status",
        "started_at",
        "detected_at",
        "declared_at",
        "acknowledged_at",
        "acknowledged_by",
        "identified_at",
        "monitoring_at",
        "resolved_at",
        "closed_at",
        "reporter",
        # Roles change in the cockpit's roles panel, where a hand-over is logged and notified.
        "commander",
        "communications_lead",
        "scribe",
        "responders",
    ]
    fieldsets = [
        (None, {"fields": ["reference", "title", "summary", "severity", "status"]}),
        (gettext_lazy("People"), {"fields": ["commander", "communications_lead", "scribe", "responders", "reporter"]}),
        (gettext_lazy("Impact"), {"fields": ["components", "users_affected_pct", "data_impact", "security_breach"]}),
        (gettext_lazy("Status page"), {"fields": ["public", "public_impact_override"]}),
        (gettext_lazy("Links"), {"fields": ["external_ticket", "chat_channel"]}),
        (
            TIMES,
            {
                "classes": ["collapse"],
                "fields": [
                    "started_at",
                    "detected_at",
                    "declared_at",
                    ("acknowledged_at", "acknowledged_by"),
                    "identified_at",
                    "monitoring_at",
                    "resolved_at",
                    "closed_at",
                ],
            },
        ),
    ]

    class Media:
        css = {"all": ["incidents/admin.css"]}
        js = ["incidents/admin.js", "incidents/vendor/morphdom-2.7.8.min.js", "incidents/live.js"]

    def has_delete_permission(self, request: HttpRequest, obj: Incident | None = None) -> bool:
        # Incidents are the record of what happened; only a superuser may remove one (e.g. a test).
        return request.user.is_superuser

    # List
    def get_queryset(self, request: HttpRequest) -> QuerySet[Incident]:
        return selectors.incidents_with_sla()

    @admin.display(description=gettext_lazy("severity"), ordering="severity__level")
    def severity_display(self, obj: Incident) -> str:
        return severity_badge(obj.severity)

    @admin.display(description=gettext_lazy("started"), ordering="started_at")
    def started(self, obj: Incident) -> str:
        return time_html(obj.started_at)

    @admin.display(description=gettext_lazy("age"), ordering="started_at")
    def age(self, obj: Incident) -> str:
        return timesince(obj.started_at, obj.resolved_at or timezone.now())

    @admin.display(description=gettext_lazy("SLA"), ordering="sla_breached")
    def sla_display(self, obj: Incident) -> str:
        return sla_state(obj)

    # Add (declare) and change (edit details): both through services.
    def get_fieldsets(self, request: HttpRequest, obj: Incident | None = None) -> Any:
        if obj is None:
            return [(None, {"fields": IncidentDeclareForm.Meta.fields})]
        zone = timezone.get_current_timezone_name()
        return [
            (name, {**options, "description": _("In your time zone, %(zone)s (My preferences).") % {"zone": zone}})
            if name is TIMES
            else (name, options)
            for name, options in self.fieldsets
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Incident | None = None) -> Any:
        return [] if obj is None else self.readonly_fields

    def get_form(self, request: HttpRequest, obj: Incident | None = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = IncidentDeclareForm
            kwargs["fields"] = IncidentDeclareForm.Meta.fields
        else:
            kwargs["form"] = IncidentDetailsForm
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Incident, form: Any, change: bool) -> None:
        # A refusal (e.g. a start in the future) propagates to ServiceAdmin, which shows it and rolls back.
        data = form.cleaned_data
        if not change:
            incident = services.incident_declare(
                by=request.user,
                title=data["title"],
                summary=data["summary"],
                severity=data["severity"],
                started_at=data.get("started_at"),
                components=data["components"],
                users_affected_pct=data["users_affected_pct"],
                data_impact=data["data_impact"],
                security_breach=data["security_breach"],
                service_down=data["service_down"],
                core_function_impaired=data["core_function_impaired"],
                severe_degradation=data["severe_degradation"],
                non_critical_affected=data["non_critical_affected"],
                public=data["public"],
                public_impact_override=data["public_impact_override"],
                commander=data["commander"],
                external_ticket=data["external_ticket"],
                chat_channel=data["chat_channel"],
            )
            saved_pk(obj, incident)
            obj.reference = incident.reference
        else:
            details = {name: data[name] for name in services.EDITABLE_DETAILS if name in form.changed_data}
            # The form refused a stale version already; the service refuses one that changed since (a race).
            services.incident_update_details(
                obj,
                by=request.user,
                expected_version=data.get("version"),
                components=data.get("components") if "components" in form.changed_data else None,
                responders=data.get("responders") if "responders" in form.changed_data else None,
                **details,
            )

    def response_add(self, request: HttpRequest, obj: Incident, post_url_continue: str | None = None) -> HttpResponse:
        """After declaring, the commander lands in the incident's cockpit."""
        if "_addanother" in request.POST or "_popup" in request.POST:
            return super().response_add(request, obj, post_url_continue)
        self.message_user(request, _("Declared %(reference)s.") % {"reference": obj.reference}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:incidents_incident_change", args=[obj.pk]))

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Related objects are written by the services in save_model."""

    # Cockpit
    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        extra_context = extra_context or {}
        try:
            pk = int(object_id)
        except ValueError:
            return super().change_view(request, object_id, form_url, extra_context)
        # The fingerprint is read before the page, so a change made while it renders is fetched by the next poll.
        etag = self._live_etag(request, pk)
        try:
            incident = selectors.incident_detail(pk)
        except Incident.DoesNotExist:
            return super().change_view(request, object_id, form_url, extra_context)
        extra_context.update(self.cockpit_context(request, incident), live_etag=etag, live_interval=live.poll_seconds())
        return super().change_view(request, object_id, form_url, extra_context)

    def cockpit_context(self, request: HttpRequest, incident: Incident) -> dict[str, Any]:
        """What the cockpit's template draws; the live refresh renders its regions from the same context."""
        can_command = request.user.has_perm(COMMAND)
        can_change = self.has_change_permission(request, incident)
        kept_severity = kept_input(request, incident, "severity")
        timeline = list(selectors.incident_timeline(incident)[: TIMELINE_SHOWN + 1])
        return {
            "incident": incident,
            "moves": [(status, MOVE_LABELS[IncidentStatus(status)]) for status in services.available_moves(incident)]
            if can_command
            else [],
            "can_acknowledge": can_change and incident.acknowledged_at is None and incident.is_open,
            "can_change": can_change,
            "can_command": can_command,
            "severity_form": SeverityChangeForm(initial={"severity": incident.severity_id}),
            "severity_chosen": str(kept_severity.get("severity") or incident.severity_id),
            "severity_reason": kept_severity.get("reason", ""),
            "severities": SeverityPolicy.objects.all(),
            "note_form": NoteForm(),
            "checklist": selectors.incident_checklist(incident),
            "timeline": timeline[:TIMELINE_SHOWN],
            "timeline_older": len(timeline) > TIMELINE_SHOWN,
            "severity_badge": severity_badge(incident.severity),
            "sla": sla_state(incident),
            "panels": cockpit.render_panels(request, incident),
        }

    def get_urls(self) -> list:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:pk>/timeline.csv",
                self.admin_site.admin_view(self.timeline_csv_view),
                name=f"{info[0]}_{info[1]}_timeline_csv",
            ),
            path(
                "suggest-severity/",
                self.admin_site.admin_view(self.suggest_severity_view),
                name=f"{info[0]}_{info[1]}_suggest_severity",
            ),
            path("board/", self.admin_site.admin_view(self.board_view), name=f"{info[0]}_{info[1]}_board"),
            path(
                "board/live/", self.admin_site.admin_view(self.board_live_view), name=f"{info[0]}_{info[1]}_board_live"
            ),
            path("<int:pk>/live/", self.admin_site.admin_view(self.live_view), name=f"{info[0]}_{info[1]}_live"),
            path(
                "<int:pk>/timeline/",
                self.admin_site.admin_view(self.timeline_view),
                name=f"{info[0]}_{info[1]}_timeline",
            ),
            path(
                "palette-search/",
                self.admin_site.admin_view(self.palette_search_view),
                name=f"{info[0]}_{info[1]}_palette_search",
            ),
            path(
                "<int:pk>/cockpit/<str:action>/",
                self.admin_site.admin_view(self.cockpit_action_view),
                name=f"{info[0]}_{info[1]}_cockpit",
            ),
            *super().get_urls(),
        ]

    def suggest_severity_view(self, request: HttpRequest) -> JsonResponse:
        # The declare form's helper: only for those who may declare.
        if not self.has_add_permission(request):
            raise PermissionDenied

        def flag(name: str) -> bool:
            return request.GET.get(name) in ("1", "true", "on")

        pct_text = request.GET.get("users_affected_pct", "").strip()
        # ASCII digits only: str.isdigit() also accepts '²' (int() then fails) and Arabic-Indic or fullwidth digits.
        if pct_text and not (PERCENT.fullmatch(pct_text) and int(pct_text) <= 100):
            return JsonResponse({"users_affected_pct": [_("Give a whole number from 0 to 100.")]}, status=400)
        pct = int(pct_text) if pct_text else None
        suggestion = suggest_severity(
            ImpactFacts(
                service_down=flag("service_down"),
                data_impact=flag("data_impact"),
                security_breach=flag("security_breach"),
                core_function_impaired=flag("core_function_impaired"),
                severe_degradation=flag("severe_degradation"),
                non_critical_affected=flag("non_critical_affected"),
                users_affected_pct=pct,
            )
        )
        policy = SeverityPolicy.objects.filter(level=suggestion.level).first()
        return JsonResponse(
            {"level": suggestion.level, "reasons": suggestion.reasons, "policy_id": policy.pk if policy else None}
        )

    def palette_search_view(self, request: HttpRequest) -> JsonResponse:
        return incident_search_view(self, request)

    def cockpit_action_view(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        return require_POST(self._cockpit_action)(request, pk, action)

    def _cockpit_action(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        incident = get_object_or_404(Incident, pk=pk)
        if not self.has_change_permission(request, incident):
            raise PermissionDenied
        commander_only = action.startswith("move-") or action in ("severity", *roles_panel.COMMAND_ACTIONS)
        if commander_only and not request.user.has_perm(COMMAND):
            raise PermissionDenied
        back = reverse("admin:incidents_incident_change", args=[incident.pk])
        try:
            done = self._run_cockpit_action(request, incident, action)
        except services.IncidentConflict as conflict:
            # Shown again with the fresh values; the typed reason and chosen severity are kept for review.
            if action == "severity":
                keep_input(request, incident, "severity", {k: request.POST.get(k, "") for k in ("severity", "reason")})
            self.message_user(request, error_text(conflict), messages.ERROR)
        except ValidationError as error:
            self.message_user(request, error_text(error), messages.ERROR)
        else:
            if done:
                self.log_change(request, incident, done)
                self.message_user(
                    request,
                    _("%(reference)s: %(done)s") % {"reference": incident.reference, "done": done},
                    messages.SUCCESS,
                )
        return HttpResponseRedirect(back)

    def _run_cockpit_action(self, request: HttpRequest, incident: Incident, action: str) -> str:
        user = request.user
        # Header actions act on the incident's state: refused if it changed since the page was rendered.
        # Notes only append (nothing to overwrite); a tick conflicts with a tick of the same item only.
        version = posted_version(request)
        if action in roles_panel.ACTIONS:
            return roles_panel.run(request, incident, action)
        if action == "acknowledge":
            services.incident_acknowledge(incident, by=user, expected_version=version)
            return _("acknowledged")
        if action.startswith("move-"):
            status = action.removeprefix("move-")
            services.incident_move_status(
                incident, status=status, by=user, note=request.POST.get("note", ""), expected_version=version
            )
            return str(MOVED_TO.get(status, status))
        if action == "severity":
            form = SeverityChangeForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors.as_text())
            services.incident_change_severity(
                incident,
                severity=form.cleaned_data["severity"],
                by=user,
                reason=form.cleaned_data["reason"],
                expected_version=version,
            )
            return _("severity set to %(level)s") % {"level": form.cleaned_data["severity"].level}
        if action == "note":
            note = NoteForm(request.POST)
            if not note.is_valid():
                raise ValidationError(_("A note cannot be empty."))
            services.incident_add_note(incident, by=user, text=note.cleaned_data["text"])
            return _("note added")
        if action == "tick":
            item = get_object_or_404(ChecklistItem, pk=request.POST.get("item"), incident=incident)
            services.checklist_item_tick(item, by=user)
            return _("checked “%(item)s”") % {"item": item.label}
        raise ValidationError(_("Unknown action %(action)s.") % {"action": repr(action)})

    # Changelist actions
    @admin.action(description=gettext_lazy("Acknowledge selected incidents"), permissions=["change"])
    def acknowledge_selected(self, request: HttpRequest, queryset: QuerySet[Incident]) -> None:
        self._bulk(request, queryset, services.incident_acknowledge, "acknowledged")

    @admin.action(description=gettext_lazy("Resolve selected incidents"), permissions=["command"])
    def resolve_selected(self, request: HttpRequest, queryset: QuerySet[Incident]) -> None:
        self._bulk(request, queryset, services.incident_resolve, "resolved")

    def has_command_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(COMMAND)

    def _bulk(self, request: HttpRequest, queryset: QuerySet[Incident], service: Any, verb: str) -> None:
        done, refused = [], []
        for incident in queryset.order_by("reference"):
            try:
                service(incident, by=request.user)
            except ValidationError as error:
                refused.append(error_text(error))
            else:
                done.append(incident.reference)
                self.log_change(request, incident, BULK_DONE[verb])
        if done:
            references = ", ".join(done)
            text = (
                ngettext("Acknowledged: %(references)s.", "Acknowledged: %(references)s.", len(done))
                if verb == "acknowledged"
                else ngettext("Resolved: %(references)s.", "Resolved: %(references)s.", len(done))
            )
            self.message_user(request, text % {"references": references}, messages.SUCCESS)
        for reason in refused:
            self.message_user(request, _("Refused: %(reason)s") % {"reason": reason}, messages.WARNING)

    def render_change_form(self, request: HttpRequest, context: dict, *args: Any, **kwargs: Any) -> HttpResponse:
        context.setdefault("suggest_url", reverse("admin:incidents_incident_suggest_severity"))
        return super().render_change_form(request, context, *args, **kwargs)
