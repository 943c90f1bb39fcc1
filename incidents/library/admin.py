"""Admin of the runbook's library: playbooks, communication templates and the quick reference."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from incidents.admin.refusals import ServiceAdmin, error_text
from incidents.library import services
from incidents.library.communications import render_message
from incidents.library.forms import CommunicationForm
from incidents.library.message_values import VARIABLES_HELP
from incidents.library.models import CommunicationTemplate, Playbook, QuickReferenceLink
from incidents.library.selectors import templates_for
from incidents.selectors import incidents_with_sla

# As Django stores field names in change messages: untranslated, translated when the history is read.
REVIEWED_FIELD = "last reviewed at"


@admin.register(Playbook)
class PlaybookAdmin(SimpleHistoryAdmin, ServiceAdmin):
    list_display = ["title", "keywords", "last_reviewed_at", "review_state"]
    search_fields = ["title", "keywords", "symptoms"]
    filter_horizontal = ["components"]
    readonly_fields = ["last_reviewed_at"]
    actions = ["mark_reviewed"]

    def save_model(self, request: HttpRequest, obj: Playbook, form: Any, change: bool) -> None:
        services.playbook_save(obj, by=request.user, components=form.cleaned_data.get("components"))

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The components were set by the service in save_model."""

    def delete_model(self, request: HttpRequest, obj: Playbook) -> None:
        services.playbook_delete(obj, by=request.user)

    @admin.display(description=_("review"))
    def review_state(self, obj: Playbook) -> str:
        due = obj.review_due_at
        if due is None:
            return gettext("never reviewed")
        if due < timezone.now():
            return gettext("overdue since %(date)s") % {"date": f"{due:%Y-%m-%d}"}
        return gettext("due %(date)s") % {"date": f"{due:%Y-%m-%d}"}

    @admin.action(description=_("Mark selected playbooks as reviewed today"), permissions=["change"])
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[Playbook]) -> None:
        for playbook in queryset:
            services.playbook_mark_reviewed(playbook, by=request.user)
            # Django's structured change message, which the history page shows in each reader's language.
            self.log_change(request, playbook, [{"changed": {"fields": [REVIEWED_FIELD]}}])
        count = queryset.count()
        self.message_user(
            request,
            ngettext("Marked %(count)d playbook as reviewed.", "Marked %(count)d playbooks as reviewed.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def get_urls(self) -> list:
        return [
            path(
                "apply/<int:incident_pk>/",
                self.admin_site.admin_view(require_POST(self.apply_view)),
                name="library_playbook_apply",
            ),
            *super().get_urls(),
        ]

    def apply_view(self, request: HttpRequest, incident_pk: int) -> HttpResponse:
        """The cockpit's "Apply" on a suggested playbook: its resolution steps join the checklist."""
        return require_POST(self._apply)(request, incident_pk)

    def _apply(self, request: HttpRequest, incident_pk: int) -> HttpResponse:
        incident = get_object_or_404(incidents_with_sla(), pk=incident_pk)
        if not request.user.has_perm("incidents.change_incident"):
            raise PermissionDenied
        chosen = request.POST.get("playbook", "")
        playbook = None
        if chosen.isascii() and chosen.isdigit() and len(chosen) <= 18:
            playbook = Playbook.objects.filter(pk=int(chosen)).first()
        if playbook is None:
            self.message_user(request, gettext("Choose one of the suggested playbooks to apply."), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:incidents_incident_change", args=[incident.pk]))
        try:
            added = services.playbook_apply(incident, playbook=playbook, by=request.user)
        except ValidationError as error:
            self.message_user(request, error_text(error), messages.ERROR)
        else:
            self.message_user(
                request,
                ngettext(
                    "%(reference)s: %(count)d step of “%(playbook)s” added to the checklist.",
                    "%(reference)s: %(count)d steps of “%(playbook)s” added to the checklist.",
                    len(added),
                )
                % {"reference": incident.reference, "count": len(added), "playbook": playbook},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:incidents_incident_change", args=[incident.pk]))


@admin.register(CommunicationTemplate)
class CommunicationTemplateAdmin(SimpleHistoryAdmin, ServiceAdmin):
    list_display = ["name", "kind", "subject"]
    list_filter = ["kind"]
    filter_horizontal = ["severities"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        kwargs["help_texts"] = {"subject": VARIABLES_HELP, "body": VARIABLES_HELP}
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request: HttpRequest, obj: CommunicationTemplate, form: Any, change: bool) -> None:
        services.communication_template_save(obj, by=request.user, severities=form.cleaned_data.get("severities"))

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The severities were set by the service in save_model."""

    def delete_model(self, request: HttpRequest, obj: CommunicationTemplate) -> None:
        services.communication_template_delete(obj, by=request.user)

    def get_urls(self) -> list:
        return [
            path(
                "communicate/<int:incident_pk>/",
                self.admin_site.admin_view(self.communicate_view),
                name="library_communicationtemplate_communicate",
            ),
            *super().get_urls(),
        ]

    def communicate_view(self, request: HttpRequest, incident_pk: int) -> HttpResponse:
        """Pick a runbook template, preview it rendered from the incident, edit and send it."""
        incident = get_object_or_404(incidents_with_sla(), pk=incident_pk)
        if not request.user.has_perm("incidents.change_incident"):
            raise PermissionDenied
        templates = templates_for(incident.severity)
        chosen = next((t for t in templates if str(t.pk) == request.GET.get("template")), None)
        chosen = chosen or (templates[0] if templates else None)
        if request.method == "POST":
            form = CommunicationForm(request.POST)
            if form.is_valid():
                try:
                    services.communication_send(
                        incident,
                        template=chosen,
                        by=request.user,
                        recipients=form.cleaned_data["recipients"],
                        subject=form.cleaned_data["subject"],
                        body=form.cleaned_data["body"],
                    )
                except ValidationError as error:
                    form.add_error(None, error_text(error))
                else:
                    self.message_user(
                        request,
                        gettext("%(reference)s: message queued for sending.") % {"reference": incident.reference},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:incidents_incident_change", args=[incident.pk]))
        else:
            initial = {}
            if chosen is not None:
                try:
                    message = render_message(chosen, incident)
                    initial = {"subject": message.subject, "body": message.body}
                except ValidationError as error:
                    self.message_user(request, error_text(error), messages.ERROR)
            form = CommunicationForm(initial=initial)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Communicate: %(reference)s") % {"reference": incident.reference},
            "incident": incident,
            "templates": templates,
            "chosen": chosen,
            "form": form,
        }
        return TemplateResponse(request, "admin/library/communicate.html", context)


@admin.register(QuickReferenceLink)
class QuickReferenceLinkAdmin(ServiceAdmin):
    list_display = ["label", "target", "position"]
    list_editable = ["position"]

    def save_model(self, request: HttpRequest, obj: QuickReferenceLink, form: Any, change: bool) -> None:
        services.quick_reference_save(obj, by=request.user)

    def delete_model(self, request: HttpRequest, obj: QuickReferenceLink) -> None:
        services.quick_reference_delete(obj, by=request.user)
