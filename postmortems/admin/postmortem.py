"""Post-mortems in the admin, with their timeline, 5 whys, action item and attachment inlines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from incidents.admin.refusals import ServiceAdmin, active_users_only, error_text
from incidents.timezones import zoned_text
from postmortems import exports, services
from postmortems.attachments import validate_attachment
from postmortems.models import (
    OPEN_ACTION_STATUSES,
    ActionItem,
    ActionStatus,
    Attachment,
    FiveWhy,
    PostMortem,
    PostMortemStatus,
    PostMortemTimelineEntry,
)
from postmortems.reports.views import ReportViews
from postmortems.services.page import ActionItemEdit, AttachmentUpload, PostMortemPage


class FiveWhyInline(admin.TabularInline):
    model = FiveWhy
    extra = 1
    fields = ["position", "question", "answer"]


class TimelineInline(admin.TabularInline):
    model = PostMortemTimelineEntry
    extra = 0
    fields = ["at", "text", "included"]
    readonly_fields = ["at", "text"]
    can_delete = False
    verbose_name_plural = gettext_lazy("timeline (from the incident log; untick what to leave out)")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 1
    fields = ["action", "owner", "priority", "due_date", "status"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        active_users_only(db_field, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AttachmentForm(forms.ModelForm):
    class Meta:
        model = Attachment
        fields = ["kind", "file", "caption"]

    def clean_file(self) -> Any:
        file = self.cleaned_data.get("file")
        if isinstance(file, UploadedFile):  # a new upload; an unchanged row keeps its stored file
            try:
                validate_attachment(file)
            except ValidationError as error:
                raise ValidationError(error.message_dict["file"]) from error
        return file


class AttachmentInline(admin.TabularInline):
    model = Attachment
    form = AttachmentForm
    extra = 0
    fields = ["kind", "file", "caption", "download"]
    readonly_fields = ["download"]

    @admin.display(description=gettext_lazy("download"))
    def download(self, obj: Attachment) -> str:
        # Attachments (logs, screenshots) are internal: served through a permission-checked view, never /media/.
        if not obj.pk or not obj.file:
            return "-"
        url = reverse("admin:postmortems_postmortem_attachment", args=[obj.postmortem_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.filename)


@admin.register(PostMortem)
class PostMortemAdmin(ReportViews, ServiceAdmin):
    list_display = ["incident_reference", "incident_title", "severity", "status", "author", "due_at", "open_actions"]
    list_filter = ["status", "incident__severity"]
    search_fields = ["incident__reference", "incident__title"]
    list_select_related = ["incident__severity", "author"]
    filter_horizontal = ["reviewers"]
    readonly_fields = ["status", "metadata"]
    inlines = [TimelineInline, FiveWhyInline, ActionItemInline, AttachmentInline]
    change_form_template = "admin/postmortems/postmortem/change_form.html"
    fieldsets = [
        (gettext_lazy("Metadata"), {"fields": ["incident", "metadata", "status", "author", "reviewers"]}),
        (gettext_lazy("Summary"), {"fields": ["summary"]}),
        (gettext_lazy("Root cause analysis"), {"fields": ["what_happened", "detection"]}),
        (gettext_lazy("Impact assessment"), {"fields": ["users_affected_pct", "features_affected", "data_impact"]}),
        (gettext_lazy("Response assessment"), {"fields": ["went_well", "could_be_better", "learned"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PostMortem]:
        return (
            super()
            .get_queryset(request)
            .annotate(open_action_count=Count("action_items", filter=Q(action_items__status__in=OPEN_ACTION_STATUSES)))
        )

    def get_readonly_fields(self, request: HttpRequest, obj: PostMortem | None = None) -> Any:
        return [*self.readonly_fields, "incident"] if obj else self.readonly_fields

    def get_inlines(self, request: HttpRequest, obj: PostMortem | None) -> Any:
        return self.inlines if obj else []

    @admin.display(description=gettext_lazy("incident"), ordering="incident__reference")
    def incident_reference(self, obj: PostMortem) -> str:
        return obj.incident.reference

    @admin.display(description=gettext_lazy("title"))
    def incident_title(self, obj: PostMortem) -> str:
        return obj.incident.title

    @admin.display(description=gettext_lazy("severity"), ordering="incident__severity__level")
    def severity(self, obj: PostMortem) -> str:
        return obj.incident.severity.level

    @admin.display(description=gettext_lazy("open actions"), ordering="open_action_count")
    def open_actions(self, obj: PostMortem) -> int:
        return getattr(obj, "open_action_count", 0)

    @admin.display(description=gettext_lazy("derived"))
    def metadata(self, obj: PostMortem) -> str:
        if obj.pk is None:
            return "-"
        parts = [
            _("Date %(date)s") % {"date": f"{obj.date:%Y-%m-%d}"},
            _("Severity %(level)s") % {"level": obj.incident.severity.level},
            _("Duration %(minutes)s minutes") % {"minutes": obj.duration_minutes},
            _("SLA impact %(minutes)s minutes") % {"minutes": obj.sla_impact_minutes},
        ]
        if obj.due_at:
            parts.append(_("due %(due)s") % {"due": zoned_text(obj.due_at)})
        return format_html_join(" \u00b7 ", "{}", ((part,) for part in parts))

    def save_model(self, request: HttpRequest, obj: PostMortem, form: Any, change: bool) -> None:
        """Saved with its inlines in save_related, by one service call."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        data = form.cleaned_data
        page = PostMortemPage(
            content={name: data[name] for name in services.EDITABLE_FIELDS if name in form.changed_data},
            reviewers=data["reviewers"] if "reviewers" in form.changed_data else None,
        )
        readers: dict[type, Callable[[PostMortemPage, Any], None]] = {
            ActionItem: self._read_action_items,
            PostMortemTimelineEntry: self._read_timeline,
            FiveWhy: self._read_whys,
            Attachment: self._read_attachments,
        }
        for formset in formsets:
            reader = readers.get(formset.model)
            if reader is not None:
                reader(page, formset)
        saved = services.postmortem_save_page(
            form.instance if change else None, page=page, by=request.user, incident=data.get("incident")
        )
        form.instance.pk = saved.pk
        form.instance.refresh_from_db()

    # What each inline changed, as the page service takes it (nothing is written here).
    def _read_timeline(self, page: PostMortemPage, formset: Any) -> None:
        if formset.has_changed():
            page.keep_timeline = [f.instance.pk for f in formset.forms if f.cleaned_data.get("included")]

    def _read_whys(self, page: PostMortemPage, formset: Any) -> None:
        if not formset.has_changed():
            return
        rows = sorted(
            (f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")),
            key=lambda d: d.get("position") or 0,
        )
        page.whys = [(d.get("question", ""), d.get("answer", "")) for d in rows]

    def _read_attachments(self, page: PostMortemPage, formset: Any) -> None:
        page.attachments_added = [
            AttachmentUpload(
                file=f.cleaned_data["file"], kind=f.cleaned_data["kind"], caption=f.cleaned_data["caption"]
            )
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and not f.instance.pk
        ]
        page.attachments_removed = [f.instance for f in formset.deleted_forms if f.instance.pk]
        page.attachments_replaced = [
            (f.instance, f.cleaned_data["file"])
            for f in formset.forms
            if f.instance.pk and f.cleaned_data and not f.cleaned_data.get("DELETE") and "file" in f.changed_data
        ]

    def _read_action_items(self, page: PostMortemPage, formset: Any) -> None:
        edits = []
        for f in formset.forms:
            data = f.cleaned_data
            if not data or data.get("DELETE") or not f.has_changed():
                continue
            if f.instance.pk is None:
                fields = {n: data[n] for n in ("action", "owner", "priority", "due_date")}
                edits.append(ActionItemEdit(item=None, fields=fields, status=data.get("status") or ActionStatus.OPEN))
                continue
            changes = {n: data[n] for n in services.ACTION_EDITABLE_FIELDS if n in f.changed_data}
            edits.append(
                ActionItemEdit(
                    item=f.instance, fields=changes, status=data["status"] if "status" in f.changed_data else None
                )
            )
        page.action_items = edits

    # Buttons on the change page
    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        extra_context = extra_context or {}
        postmortem = PostMortem.objects.filter(pk=object_id).select_related("incident").first()
        if postmortem is not None:
            moves = {
                PostMortemStatus.DRAFT: [("submit", _("Submit for review"))],
                PostMortemStatus.IN_REVIEW: [("publish", _("Publish")), ("draft", _("Back to draft"))],
                PostMortemStatus.PUBLISHED: [],
            }[PostMortemStatus(postmortem.status)]
            extra_context.update(
                postmortem=postmortem,
                moves=moves if self.has_change_permission(request, postmortem) else [],
                meeting_add_url=reverse("admin:postmortems_reviewmeeting_add") + f"?postmortem={postmortem.pk}",
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/markdown/", view(self.markdown_view), name="postmortems_postmortem_markdown"),
            path("<int:pk>/communication/", view(self.communication_view), name="postmortems_postmortem_communication"),
            path("<int:pk>/move/<str:move>/", view(self.move_view), name="postmortems_postmortem_move"),
            path(
                "<int:pk>/attachments/<int:attachment_pk>/",
                view(self.attachment_view),
                name="postmortems_postmortem_attachment",
            ),
            *self.report_urls(),
            *super().get_urls(),
        ]

    def _viewable(self, request: HttpRequest, pk: int) -> PostMortem:
        if not self.has_view_permission(request):
            raise PermissionDenied
        get_object_or_404(PostMortem, pk=pk)
        return exports.postmortem_for_export(pk)

    def attachment_view(self, request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        attachment = get_object_or_404(Attachment, pk=attachment_pk, postmortem_id=pk)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError as missing:
            raise Http404(_("The attached file is missing from storage.")) from missing
        # Always a download, never a page: the browser neither renders nor sniffs what a user uploaded.
        response = FileResponse(
            handle, as_attachment=True, filename=attachment.filename, content_type="application/octet-stream"
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def markdown_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        postmortem = self._viewable(request, pk)
        response = HttpResponse(exports.postmortem_markdown(postmortem), content_type="text/markdown; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="postmortem-{postmortem.incident.reference}.md"'
        return response

    def communication_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        postmortem = self._viewable(request, pk)
        subject, body = exports.communication_draft(postmortem)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Post-incident communication (draft)"),
            "subject": subject,
            "body": body,
            "postmortem": postmortem,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/postmortems/postmortem/communication.html", context)

    def move_view(self, request: HttpRequest, pk: int, move: str) -> HttpResponse:
        return require_POST(self._move)(request, pk, move)

    def _move(self, request: HttpRequest, pk: int, move: str) -> HttpResponse:
        postmortem = get_object_or_404(PostMortem, pk=pk)
        if not self.has_change_permission(request, postmortem):
            raise PermissionDenied
        # service, the admin log's (English) change message, what the user is told
        actions: dict[str, tuple[Callable[..., Any], str, str]] = {
            "submit": (
                services.postmortem_submit,
                "submitted for review",
                _("Post-mortem of %(reference)s submitted for review."),
            ),
            "publish": (services.postmortem_publish, "published", _("Post-mortem of %(reference)s published.")),
            "draft": (
                services.postmortem_return_to_draft,
                "sent back to draft",
                _("Post-mortem of %(reference)s sent back to draft."),
            ),
            "refresh": (
                lambda pm, by: services.postmortem_refresh_timeline(pm),
                "timeline refreshed",
                _("Post-mortem of %(reference)s: timeline refreshed."),
            ),
        }
        if move not in actions:
            self.message_user(request, _("Unknown action %(move)r.") % {"move": move}, messages.ERROR)
        else:
            service, done, told = actions[move]
            try:
                service(postmortem, by=request.user)
            except ValidationError as error:
                self.message_user(request, error_text(error), messages.ERROR)
            else:
                self.log_change(request, postmortem, done)
                self.message_user(request, told % {"reference": postmortem.incident.reference}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:postmortems_postmortem_change", args=[pk]))
