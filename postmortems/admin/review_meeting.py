"""Review meetings in the admin: attendees, agenda notes, the invite."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from incidents.admin.refusals import ServiceAdmin, active_users_only, error_text
from postmortems import exports, meetings
from postmortems.models import AgendaItem, MeetingAttendee, ReviewMeeting


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
class ReviewMeetingAdmin(ServiceAdmin):
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

    @admin.display(description=gettext_lazy("attendees"), ordering="attendee_total")
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
        agenda_notes = {
            agenda_form.instance.pk: agenda_form.cleaned_data.get("notes", "")
            for formset in formsets
            if formset.model is AgendaItem
            for agenda_form in formset.forms
            if agenda_form.instance.pk is not None and agenda_form.has_changed()
        }
        meetings.review_meeting_update(  # one edit, one transaction
            meeting,
            by=request.user,
            starts_at=data["starts_at"],
            location=data["location"],
            notes=data["notes"],
            attendees=attendees if changed_attendees else None,
            attended={d["user"].pk: d["attended"] for d in kept if d.get("attended") is not None},
            agenda_notes=agenda_notes,
        )

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
            self.message_user(
                request,
                ngettext("Invite sent to %(count)d attendee.", "Invite sent to %(count)d attendees.", sent)
                % {"count": sent},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:postmortems_reviewmeeting_change", args=[pk]))
