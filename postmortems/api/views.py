"""Post-incident API. Views validate input and call the services; they never change state themselves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.utils import translate_validation
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.api.fields import ID_PATTERN
from postmortems import exports, meetings, reports, services
from postmortems.api import filters, serializers
from postmortems.models import (
    ActionItem,
    ActionPriority,
    ActionStatus,
    MeetingAttendee,
    PostMortem,
    PostMortemTimelineEntry,
    ReviewMeeting,
)
from postmortems.reports import CSV_TABLES, REPORT_PERMISSION, report_csv

# Each write is one service call. A service's refusal (django's ValidationError) becomes a 400 naming the
# field in incidents.api.exceptions.exception_handler (REST_FRAMEWORK["EXCEPTION_HANDLER"]).


class PostMortemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Post-mortems (runbook 4.1). Created as drafts on resolve; content edited with PATCH."""

    lookup_value_regex = ID_PATTERN

    filterset_class = filters.PostMortemFilter
    queryset = PostMortem.objects.all()

    def get_queryset(self) -> QuerySet[PostMortem]:
        queryset = PostMortem.objects.select_related("incident__severity", "author").order_by("-created_at")
        if self.action == "list":
            return queryset
        return queryset.prefetch_related(
            "reviewers",
            "whys",
            "attachments",
            Prefetch("timeline", queryset=PostMortemTimelineEntry.objects.order_by("at", "id")),
            Prefetch("action_items", queryset=ActionItem.objects.select_related("owner", "postmortem__incident")),
        )

    def get_serializer_class(self) -> Any:
        return serializers.PostMortemListSerializer if self.action == "list" else serializers.PostMortemSerializer

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        content = {k: v for k, v in data.items() if k in services.EDITABLE_FIELDS}
        postmortem = services.postmortem_create(
            incident=data["incident"], reviewers=data.get("reviewers"), by=self.request.user, **content
        )
        serializer.instance = self.get_queryset().get(pk=postmortem.pk)

    def perform_update(self, serializer: Any) -> None:
        data = serializer.validated_data
        content = {k: v for k, v in data.items() if k in services.EDITABLE_FIELDS}
        postmortem = services.postmortem_update(
            serializer.instance, reviewers=data.get("reviewers"), by=self.request.user, **content
        )
        serializer.instance = self.get_queryset().get(pk=postmortem.pk)

    def _move(self, service: Callable[..., Any]) -> Response:
        postmortem = self.get_object()
        service(postmortem, by=self.request.user)
        return Response(serializers.PostMortemSerializer(self.get_queryset().get(pk=postmortem.pk)).data)

    @extend_schema(request=None, responses=serializers.PostMortemSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        return self._move(services.postmortem_submit)

    @extend_schema(request=None, responses=serializers.PostMortemSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        return self._move(services.postmortem_publish)

    @extend_schema(request=None, responses=serializers.PostMortemSerializer)
    @action(detail=True, methods=["post"], url_path="return-to-draft")
    def return_to_draft(self, request: Request, pk: str) -> Response:
        return self._move(services.postmortem_return_to_draft)

    @extend_schema(request=serializers.TimelineChoiceSerializer, responses=serializers.PostMortemSerializer)
    @action(detail=True, methods=["post"])
    def timeline(self, request: Request, pk: str) -> Response:
        """Keep exactly these timeline entries (ids); the others are left out of the exports."""
        body = serializers.TimelineChoiceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        postmortem = self.get_object()
        services.postmortem_choose_timeline(postmortem, keep=body.validated_data["keep"], by=request.user)
        return Response(serializers.PostMortemSerializer(self.get_queryset().get(pk=postmortem.pk)).data)

    @extend_schema(request=serializers.WhysSerializer, responses=serializers.PostMortemSerializer)
    @action(detail=True, methods=["put"])
    def whys(self, request: Request, pk: str) -> Response:
        """Replace the 5 whys, in the order given."""
        body = serializers.WhysSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        postmortem = self.get_object()
        rows = [(w["question"], w.get("answer", "")) for w in body.validated_data["whys"]]
        services.postmortem_set_whys(postmortem, whys=rows, by=request.user)
        return Response(serializers.PostMortemSerializer(self.get_queryset().get(pk=postmortem.pk)).data)

    @extend_schema(
        responses={(200, "text/markdown"): OpenApiResponse(description=gettext_lazy("The runbook 4.1 document"))}
    )
    @action(detail=True, methods=["get"])
    def markdown(self, request: Request, pk: str) -> HttpResponse:
        postmortem = exports.postmortem_for_export(self.get_object().pk)
        response = HttpResponse(exports.postmortem_markdown(postmortem), content_type="text/markdown; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="postmortem-{postmortem.incident.reference}.md"'
        return response

    @extend_schema(responses={200: OpenApiResponse(description=gettext_lazy("The draft's subject and body"))})
    @action(detail=True, methods=["get"])
    def communication(self, request: Request, pk: str) -> Response:
        """The post-incident communication (runbook 3.4) drafted from the post-mortem."""
        subject, body = exports.communication_draft(exports.postmortem_for_export(self.get_object().pk))
        return Response({"subject": subject, "body": body})


class ActionItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Action items; filter by owner, priority, status, overdue, incident and due range."""

    lookup_value_regex = ID_PATTERN

    serializer_class = serializers.ActionItemSerializer
    filterset_class = filters.ActionItemFilter
    queryset = ActionItem.objects.select_related("owner", "postmortem__incident").order_by("due_date", "id")

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        item = services.action_item_create(
            postmortem=data["postmortem"],
            meeting=data.get("meeting"),
            action=data["action"],
            owner=data["owner"],
            priority=data.get("priority", ActionPriority.MEDIUM),
            due_date=data["due_date"],
            status=data.get("status") or ActionStatus.OPEN,
            by=self.request.user,
        )
        serializer.instance = self.get_queryset().get(pk=item.pk)

    def perform_update(self, serializer: Any) -> None:
        data = serializer.validated_data
        changes = {k: v for k, v in data.items() if k in services.ACTION_EDITABLE_FIELDS}
        item = services.action_item_update(
            serializer.instance, status=data.get("status"), by=self.request.user, **changes
        )
        serializer.instance = self.get_queryset().get(pk=item.pk)


class ReviewMeetingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Review meetings (runbook 4.2): 30 minutes, attendees with roles, five timed agenda items."""

    lookup_value_regex = ID_PATTERN

    serializer_class = serializers.ReviewMeetingSerializer
    filterset_class = filters.ReviewMeetingFilter
    queryset = (
        ReviewMeeting.objects.select_related("postmortem__incident", "created_by")
        .prefetch_related(Prefetch("attendees", queryset=MeetingAttendee.objects.select_related("user")), "agenda")
        .order_by("-starts_at")
    )

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        meeting = meetings.review_meeting_schedule(
            postmortem=data["postmortem"],
            starts_at=data["starts_at"],
            location=data.get("location", ""),
            notes=data.get("notes", ""),
            attendees=[(a["user"], a["role"]) for a in data["attendees"]],
            by=self.request.user,
        )
        serializer.instance = self.get_queryset().get(pk=meeting.pk)

    @extend_schema(responses={(200, "text/calendar"): OpenApiResponse(description=gettext_lazy("iCalendar invite"))})
    @action(detail=True, methods=["get"])
    def ics(self, request: Request, pk: str) -> HttpResponse:
        meeting = self.get_object()
        response = HttpResponse(exports.meeting_ics(meeting), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="review-{meeting.postmortem.incident.reference}.ics"'
        return response

    @extend_schema(
        request=None,
        responses={202: OpenApiResponse(description=gettext_lazy("How many attendees the invite was sent to"))},
    )
    @action(detail=True, methods=["post"], url_path="send-invite")
    def send_invite(self, request: Request, pk: str) -> Response:
        sent = meetings.review_meeting_send_invite(self.get_object(), by=request.user)
        return Response({"sent_to": sent}, status=status.HTTP_202_ACCEPTED)


class CanViewReports(permissions.BasePermission):
    message = gettext_lazy("The managers' report needs the “Can view the managers' report” permission (Manager group).")

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.has_perm(REPORT_PERMISSION))


class ReportView(APIView):
    """The managers' report as JSON (`section` = action-items or incidents) or a CSV table.

    Query parameters (reports.ReportFilterSet): start, end (YYYY-MM-DD, incident start), severity (P1...),
    component (id). An invalid one is a 400 naming it.
    """

    permission_classes = [permissions.IsAuthenticated, CanViewReports]
    sections = ("action-items", "incidents", "all")

    def _report(self, request: Request) -> reports.Report:
        filterset = reports.ReportFilterSet(request.query_params)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        return reports.build_report(filterset.report_filters())

    @extend_schema(responses={200: OpenApiResponse(description=gettext_lazy("Report figures"))})
    def get(self, request: Request, section: str) -> Response:
        if section not in self.sections:
            raise NotFound(
                _("Unknown report %(section)r; use one of %(sections)s.")
                % {"section": section, "sections": ", ".join(self.sections)}
            )
        report = self._report(request)
        body: dict[str, Any] = {"generated_at": report.generated_at, "filters": report.filters.as_query()}
        if section in ("action-items", "all"):
            body["action_items"] = report.action_items
        if section in ("incidents", "all"):
            body["incidents"] = report.incidents
        return Response(body)


class ReportCsvView(ReportView):
    @extend_schema(
        responses={(200, "text/csv"): OpenApiResponse(description=gettext_lazy("CSV table, formulas escaped"))}
    )
    def get(self, request: Request, section: str) -> Response:  # type: ignore[override]
        if section not in CSV_TABLES:
            raise NotFound(
                _("Unknown table %(section)r; use one of %(tables)s.")
                % {"section": section, "tables": ", ".join(CSV_TABLES)}
            )
        response = HttpResponse(report_csv(self._report(request), section), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="warroom-{section}.csv"'
        return response  # type: ignore[return-value]
