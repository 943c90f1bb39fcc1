"""Admin of paging: escalation policies (with a preview of who is paged when), on-call rotations (who is
on call now and next), and the cockpit's page-now form."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_POST

from incidents.admin.refusals import ServiceAdmin, error_text
from incidents.models import Incident
from incidents.outbox.channels import redact_apprise_url
from incidents.paging import oncall, services
from incidents.paging.clocks import step_targets
from incidents.paging.forms import PAGE_PERMISSION, PageNowForm
from incidents.paging.models import (
    EscalationPolicy,
    EscalationStep,
    Rotation,
    RotationMember,
    RotationOverride,
    format_offset,
)
from incidents.paging.services import RowChange
from incidents.timezones import zoned_text


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
                _("A step needs at least one target: the on-call person of a rotation, users, groups or Apprise URLs.")
            )
        return data


SEES_APPRISE_URLS = "paging.change_escalationstep"


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
    form = EscalationStepForm
    extra = 0
    filter_horizontal = ["users", "groups"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """Who may not change the steps sees their Apprise URLs redacted (tokens, passwords hidden)."""
        fields = list(super().get_fields(request, obj))
        if request.user.has_perm(SEES_APPRISE_URLS):
            return fields
        return ["redacted_apprise_urls" if name == "apprise_urls" else name for name in fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly if request.user.has_perm(SEES_APPRISE_URLS) else [*readonly, "redacted_apprise_urls"]

    @admin.display(description=gettext_lazy("Apprise URLs"))
    def redacted_apprise_urls(self, step: EscalationStep) -> str:
        return "\n".join(redact_apprise_url(url) for url in step.apprise_url_list())


def row_changes(formset: Any) -> list[RowChange]:
    """An inline formset's validated rows as the services take them (nothing is written here)."""
    changes = []
    many = [f.name for f in formset.model._meta.many_to_many]
    deleted = formset.deleted_forms if formset.can_delete else []
    for form in formset.forms:
        if not form.has_changed() and form.instance.pk is None:
            continue  # an empty extra row
        if form in deleted:
            changes.append(RowChange(row=form.instance, delete=True))
            continue
        row = form.save(commit=False)
        changes.append(RowChange(row=row, many={name: list(form.cleaned_data.get(name, [])) for name in many}))
    return changes


def inline_rows(formsets: Any, model: Any) -> list[RowChange]:
    return [change for formset in formsets if formset.model is model for change in row_changes(formset)]


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(ServiceAdmin):
    list_display = ["name", "severity", "path"]
    inlines = [EscalationStepInline]
    readonly_fields = ["preview"]
    fields = ["severity", "name", "description", "preview"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[EscalationPolicy]:
        return super().get_queryset(request).select_related("severity").prefetch_related("steps")

    def save_model(self, request: HttpRequest, obj: EscalationPolicy, form: Any, change: bool) -> None:
        """Saved with its steps in save_related, by one service call."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        services.escalation_policy_save(form.instance, by=request.user, steps=inline_rows(formsets, EscalationStep))

    def delete_model(self, request: HttpRequest, obj: EscalationPolicy) -> None:
        services.escalation_policy_delete(obj, by=request.user)

    def get_urls(self) -> list:
        return [
            path("page-now/<int:incident_pk>/", self.admin_site.admin_view(self.page_now_view), name="paging_page_now"),
            *super().get_urls(),
        ]

    def page_now_view(self, request: HttpRequest, incident_pk: int) -> HttpResponse:
        """The cockpit's page-now form: page a person, a rotation's on-call or a tier now, with a reason."""
        return require_POST(self._page_now)(request, incident_pk)

    def _page_now(self, request: HttpRequest, incident_pk: int) -> HttpResponse:
        incident = get_object_or_404(Incident, pk=incident_pk)
        if not request.user.has_perm(PAGE_PERMISSION):
            raise PermissionDenied
        form = PageNowForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(form.errors.as_text())
            entry = services.page_now(
                incident, by=request.user, reason=form.cleaned_data["reason"], **form.cleaned_data["target"]
            )
        except ValidationError as error:
            self.message_user(request, error_text(error), messages.ERROR)
        else:
            self.message_user(
                request,
                _("%(reference)s: %(text)s") % {"reference": incident.reference, "text": entry.text},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:incidents_incident_change", args=[incident.pk]))

    @admin.display(description=gettext_lazy("escalation path"))
    def path(self, obj: EscalationPolicy) -> str:
        return " → ".join(f"+{format_offset(step.offset)} {step.tier}" for step in obj.steps.all()) or _("no steps")

    @admin.display(description=gettext_lazy("who would be paged when (for an incident starting now)"))
    def preview(self, obj: EscalationPolicy) -> str:
        if obj.pk is None:
            return _("Save the policy to see the preview.")
        start = timezone.now()
        rows = []
        steps = obj.steps.select_related("on_call_rotation").prefetch_related("users", "groups")
        for step in steps:
            at = start + step.offset
            targets = step_targets(step, at)
            who = "; ".join(f"{t.label} ({t.reason})" for t in targets) or _("nobody (add people or URLs)")
            rows.append(
                (
                    f"+{format_offset(step.offset)}",
                    zoned_text(at, "H:i"),
                    step.tier,
                    who,
                    step.get_stop_condition_display(),
                )
            )
        if not rows:
            return _("No steps yet.")
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html(
            '<table class="wr-preview"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>'
            "<th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("after start"),
            pgettext("moment", "at"),
            _("tier"),
            _("pages"),
            _("stops when"),
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
        return _("nobody (add members)")
    who = shift.user.get_full_name() or shift.user.get_username()
    values = {
        "who": who,
        # Day and month names in the reader's language.
        "start": date_format(shift.starts_at, "D d M H:i"),
        "end": date_format(shift.ends_at, "D d M H:i") + f" {shift.ends_at:%Z}",
    }
    if shift.is_override:
        return _("%(who)s (override), %(start)s to %(end)s") % values
    return _("%(who)s, %(start)s to %(end)s") % values


@admin.register(Rotation)
class RotationAdmin(ServiceAdmin):
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

    def save_model(self, request: HttpRequest, obj: Rotation, form: Any, change: bool) -> None:
        """Saved with its members and overrides in save_related, by one service call."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        services.rotation_save(
            form.instance,
            by=request.user,
            members=inline_rows(formsets, RotationMember),
            overrides=inline_rows(formsets, RotationOverride),
        )

    def delete_model(self, request: HttpRequest, obj: Rotation) -> None:
        services.rotation_delete(obj, by=request.user)

    @admin.display(description=gettext_lazy("on call now"))
    def on_call_now(self, obj: Rotation) -> str:
        return shift_text(oncall.on_call_at(obj)) if obj.pk else "-"

    @admin.display(description=pgettext_lazy("on call", "next"))
    def on_call_next(self, obj: Rotation) -> str:
        return shift_text(oncall.next_shift(obj)) if obj.pk else "-"
