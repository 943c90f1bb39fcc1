"""Post-incident review in the admin. Every write goes through postmortems.services / meetings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from postmortems import exports, meetings, services
from postmortems.models import (
    OPEN_ACTION_STATUSES,
    ActionItem,
    ActionStatus,
    AgendaItem,
    Attachment,
    FiveWhy,
    MeetingAttendee,
    PostMortem,
    PostMortemStatus,
    PostMortemTimelineEntry,
    ReviewMeeting,
)
from postmortems.report_views import ReportViews


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


class RefusedByService(Exception):
    """A service refused a save; the change view reports it and nothing is written."""


def active_users_only(db_field: Any, kwargs: dict[str, Any]) -> None:
    if db_field.name in ("owner", "user", "author", "reviewers"):
        kwargs.setdefault("queryset", get_user_model().objects.filter(is_active=True).order_by("username"))


class ServiceSavingAdmin(admin.ModelAdmin):
    """Turns a refusal raised while saving into a message; the whole save is rolled back."""

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> Any:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RefusedByService as refused:
            self.message_user(request, str(refused), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def _refuse(self, error: ValidationError) -> None:
        raise RefusedByService(error_text(error)) from error

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        active_users_only(db_field, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        active_users_only(db_field, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def construct_change_message(self, request: HttpRequest, form: Any, formsets: Any, add: bool = False) -> Any:
        # Inline rows are written by services, not formset.save(); the log names the changed fields only.
        for formset in formsets or []:
            for attribute in ("new_objects", "changed_objects", "deleted_objects"):
                if not hasattr(formset, attribute):
                    setattr(formset, attribute, [])
        return super().construct_change_message(request, form, formsets, add)


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
    verbose_name_plural = "timeline (from the incident log; untick what to leave out)"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 1
    fields = ["action", "owner", "priority", "due_date", "status"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        active_users_only(db_field, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["kind", "file", "caption", "download"]
    readonly_fields = ["download"]

    @admin.display(description="download")
    def download(self, obj: Attachment) -> str:
        # Attachments (logs, screenshots) are internal: served through a permission-checked view, never /media/.
        if not obj.pk or not obj.file:
            return "-"
        url = reverse("admin:postmortems_postmortem_attachment", args=[obj.postmortem_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.filename)


@admin.register(PostMortem)
class PostMortemAdmin(ReportViews, ServiceSavingAdmin):
    list_display = ["incident_reference", "incident_title", "severity", "status", "author", "due_at", "open_actions"]
    list_filter = ["status", "incident__severity"]
    search_fields = ["incident__reference", "incident__title"]
    list_select_related = ["incident__severity", "author"]
    filter_horizontal = ["reviewers"]
    readonly_fields = ["status", "metadata"]
    inlines = [TimelineInline, FiveWhyInline, ActionItemInline, AttachmentInline]
    change_form_template = "admin/postmortems/postmortem/change_form.html"
    fieldsets = [
        ("Metadata", {"fields": ["incident", "metadata", "status", "author", "reviewers"]}),
        ("Summary", {"fields": ["summary"]}),
        ("Root cause analysis", {"fields": ["what_happened", "detection"]}),
        ("Impact assessment", {"fields": ["users_affected_pct", "features_affected", "data_impact"]}),
        ("Response assessment", {"fields": ["went_well", "could_be_better", "learned"]}),
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

    @admin.display(description="incident", ordering="incident__reference")
    def incident_reference(self, obj: PostMortem) -> str:
        return obj.incident.reference

    @admin.display(description="title")
    def incident_title(self, obj: PostMortem) -> str:
        return obj.incident.title

    @admin.display(description="severity", ordering="incident__severity__level")
    def severity(self, obj: PostMortem) -> str:
        return obj.incident.severity.level

    @admin.display(description="open actions", ordering="open_action_count")
    def open_actions(self, obj: PostMortem) -> int:
        return getattr(obj, "open_action_count", 0)

    @admin.display(description="derived")
    def metadata(self, obj: PostMortem) -> str:
        if obj.pk is None:
            return "-"
        return format_html(
            "Date {} &middot; Severity {} &middot; Duration {} minutes &middot; SLA impact {} minutes{}",
            f"{obj.date:%Y-%m-%d}",
            obj.incident.severity.level,
            obj.duration_minutes,
            obj.sla_impact_minutes,
            format_html(" &middot; due {} UTC", f"{obj.due_at:%Y-%m-%d %H:%M}") if obj.due_at else "",
        )

    def save_model(self, request: HttpRequest, obj: PostMortem, form: Any, change: bool) -> None:
        data = form.cleaned_data
        content = {name: data[name] for name in services.EDITABLE_FIELDS if name in form.changed_data}
        reviewers = data["reviewers"] if "reviewers" in form.changed_data else None
        try:
            if change:
                services.postmortem_update(obj, reviewers=reviewers, by=request.user, **content)
            else:
                created = services.postmortem_create(
                    incident=data["incident"], reviewers=reviewers, by=request.user, **content
                )
                obj.pk = created.pk
        except ValidationError as error:
            self._refuse(error)
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        postmortem = form.instance
        try:
            if formset.model is ActionItem:
                self._save_action_items(request, postmortem, formset)
            elif formset.model is PostMortemTimelineEntry:
                keep = [f.instance.pk for f in formset.forms if f.cleaned_data.get("included")]
                if formset.has_changed():
                    services.postmortem_choose_timeline(postmortem, keep=keep, by=request.user)
            elif formset.model is FiveWhy:
                if formset.has_changed():
                    rows = sorted(
                        (f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")),
                        key=lambda d: d.get("position") or 0,
                    )
                    services.postmortem_set_whys(
                        postmortem, whys=[(d.get("question", ""), d.get("answer", "")) for d in rows], by=request.user
                    )
            elif formset.model is Attachment:
                for f in formset.forms:
                    data = f.cleaned_data
                    if not data or data.get("DELETE") or f.instance.pk:
                        continue
                    services.attachment_add(
                        postmortem, file=data["file"], kind=data["kind"], caption=data["caption"], by=request.user
                    )
                for deleted in formset.deleted_forms:
                    if deleted.instance.pk:
                        services.attachment_remove(deleted.instance, by=request.user)
        except ValidationError as error:
            self._refuse(error)

    def _save_action_items(self, request: HttpRequest, postmortem: PostMortem, formset: Any) -> None:
        for f in formset.forms:
            data = f.cleaned_data
            if not data or data.get("DELETE") or not f.has_changed():
                continue
            if f.instance.pk is None:
                services.action_item_create(
                    postmortem=postmortem,
                    action=data["action"],
                    owner=data["owner"],
                    priority=data["priority"],
                    due_date=data["due_date"],
                    status=data.get("status") or ActionStatus.OPEN,
                    by=request.user,
                )
                continue
            changes = {n: data[n] for n in services.ACTION_EDITABLE_FIELDS if n in f.changed_data}
            status = data["status"] if "status" in f.changed_data else None
            services.action_item_update(f.instance, status=status, by=request.user, **changes)

    # Buttons on the change page
    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        extra_context = extra_context or {}
        postmortem = PostMortem.objects.filter(pk=object_id).select_related("incident").first()
        if postmortem is not None:
            moves = {
                PostMortemStatus.DRAFT: [("submit", "Submit for review")],
                PostMortemStatus.IN_REVIEW: [("publish", "Publish"), ("draft", "Back to draft")],
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
            raise Http404("The attached file is missing from storage.") from missing
        return FileResponse(handle, as_attachment=True, filename=attachment.filename)

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
            "title": "Post-incident communication (draft)",
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
        actions: dict[str, tuple[Callable[..., Any], str]] = {
            "submit": (services.postmortem_submit, "submitted for review"),
            "publish": (services.postmortem_publish, "published"),
            "draft": (services.postmortem_return_to_draft, "sent back to draft"),
            "refresh": (lambda pm, by: services.postmortem_refresh_timeline(pm), "timeline refreshed"),
        }
        if move not in actions:
            self.message_user(request, f"Unknown action {move!r}.", messages.ERROR)
        else:
            service, done = actions[move]
            try:
                service(postmortem, by=request.user)
            except ValidationError as error:
                self.message_user(request, error_text(error), messages.ERROR)
            else:
                self.log_change(request, postmortem, done)
                self.message_user(request, f"Post-mortem of {postmortem.incident.reference} {done}.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:postmortems_postmortem_change", args=[pk]))


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        overdue = Q(status__in=OPEN_ACTION_STATUSES, due_date__lt=timezone.now().date())
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


@admin.register(ActionItem)
class ActionItemAdmin(ServiceSavingAdmin):
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

    @admin.display(description="incident", ordering="postmortem__incident__reference")
    def incident(self, obj: ActionItem) -> str:
        return obj.postmortem.incident.reference

    @admin.display(description="overdue", boolean=True)
    def overdue(self, obj: ActionItem) -> bool:
        return obj.is_overdue

    def save_model(self, request: HttpRequest, obj: ActionItem, form: Any, change: bool) -> None:
        data = form.cleaned_data
        try:
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
        except ValidationError as error:
            self._refuse(error)

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
            self.message_user(request, f"{done} action item(s) updated.", messages.SUCCESS)
        for reason in refused:
            self.message_user(request, f"Refused: {reason}", messages.WARNING)

    @admin.action(description="Mark selected as in progress", permissions=["change"])
    def mark_in_progress(self, request: HttpRequest, queryset: QuerySet[ActionItem]) -> None:
        self._set_status(request, queryset, ActionStatus.IN_PROGRESS)

    @admin.action(description="Mark selected as done", permissions=["change"])
    def mark_done(self, request: HttpRequest, queryset: QuerySet[ActionItem]) -> None:
        self._set_status(request, queryset, ActionStatus.DONE)

    @admin.action(description="Mark selected as won't do", permissions=["change"])
    def mark_wont_do(self, request: HttpRequest, queryset: QuerySet[ActionItem]) -> None:
        self._set_status(request, queryset, ActionStatus.WONT_DO)


class AttendeeInline(admin.TabularInline):
    model = MeetingAttendee
    extra = 3
    min_num = 1
    validate_min = True
    fields = ["user", "role", "attended"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        active_users_only(db_field, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AgendaInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    fields = ["position", "title", "minutes", "notes"]
    readonly_fields = ["position", "title", "minutes"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReviewMeeting)
class ReviewMeetingAdmin(ServiceSavingAdmin):
    list_display = ["__str__", "starts_at", "duration", "attendee_count", "invite_sent_at"]
    list_select_related = ["postmortem__incident"]
    search_fields = ["postmortem__incident__reference"]
    autocomplete_fields = ["postmortem"]
    fields = ["postmortem", "starts_at", "duration", "location", "notes", "invite_sent_at"]
    readonly_fields = ["duration", "invite_sent_at"]
    inlines = [AttendeeInline, AgendaInline]
    change_form_template = "admin/postmortems/reviewmeeting/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReviewMeeting]:
        return super().get_queryset(request).annotate(attendee_total=Count("attendees"))

    @admin.display(description="attendees", ordering="attendee_total")
    def attendee_count(self, obj: ReviewMeeting) -> int:
        return getattr(obj, "attendee_total", 0)

    def get_readonly_fields(self, request: HttpRequest, obj: ReviewMeeting | None = None) -> Any:
        return [*self.readonly_fields, "postmortem"] if obj else self.readonly_fields

    def get_inlines(self, request: HttpRequest, obj: ReviewMeeting | None) -> Any:
        return self.inlines if obj else [AttendeeInline]

    def save_model(self, request: HttpRequest, obj: ReviewMeeting, form: Any, change: bool) -> None:
        """Writes happen in save_related, once the attendees are known."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        data = form.cleaned_data
        attendee_forms = next(fs for fs in formsets if fs.model is MeetingAttendee).forms
        kept = [f.cleaned_data for f in attendee_forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        attendees = [(d["user"], d["role"]) for d in kept]
        try:
            if not change:
                meeting = meetings.review_meeting_schedule(
                    postmortem=data["postmortem"],
                    starts_at=data["starts_at"],
                    location=data["location"],
                    notes=data.get("notes", ""),
                    attendees=attendees,
                    by=request.user,
                )
                form.instance.pk = meeting.pk
                return
            meeting = ReviewMeeting.objects.get(pk=form.instance.pk)
            changed_attendees = any(f.has_changed() and set(f.changed_data) - {"attended"} for f in attendee_forms)
            meetings.review_meeting_update(
                meeting,
                by=request.user,
                starts_at=data["starts_at"],
                location=data["location"],
                notes=data["notes"],
                attendees=attendees if changed_attendees else None,
            )
            meetings.review_meeting_record_attendance(
                meeting, attended={d["user"].pk: d["attended"] for d in kept if d.get("attended") is not None}, by=None
            )
            for formset in formsets:
                if formset.model is AgendaItem:
                    formset.save()  # notes per agenda item
        except ValidationError as error:
            self._refuse(error)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial: dict[str, Any] = dict(super().get_changeform_initial_data(request))
        initial.setdefault("starts_at", (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0))
        return initial

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/invite.ics", view(self.ics_view), name="postmortems_reviewmeeting_ics"),
            path("<int:pk>/send-invite/", view(self.send_invite_view), name="postmortems_reviewmeeting_send_invite"),
            *super().get_urls(),
        ]

    def ics_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        meeting = get_object_or_404(ReviewMeeting.objects.select_related("postmortem__incident", "created_by"), pk=pk)
        response = HttpResponse(exports.meeting_ics(meeting), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="review-{meeting.postmortem.incident.reference}.ics"'
        return response

    def send_invite_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return require_POST(self._send_invite)(request, pk)

    def _send_invite(self, request: HttpRequest, pk: int) -> HttpResponse:
        meeting = get_object_or_404(ReviewMeeting, pk=pk)
        if not self.has_change_permission(request, meeting):
            raise PermissionDenied
        try:
            sent = meetings.review_meeting_send_invite(meeting, by=request.user)
        except ValidationError as error:
            self.message_user(request, error_text(error), messages.ERROR)
        else:
            self.log_change(request, meeting, "invite sent")
            self.message_user(request, f"Invite sent to {sent} attendee(s).", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:postmortems_reviewmeeting_change", args=[pk]))
