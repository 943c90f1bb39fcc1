"""The status page in the private API: an incident's status updates, and scheduled maintenance."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from incidents.api.fields import ID_PATTERN
from incidents.api.permissions import COMMAND, ModelPermissions
from incidents.api.versions import CONFLICT_RESPONSES, IF_MATCH, expected_version
from incidents.api.views import valid_data
from incidents.models import Component, Incident
from incidents.statuspage import services
from incidents.statuspage.api import serializers as s
from incidents.statuspage.api.filters import ScheduledMaintenanceFilter
from incidents.statuspage.models import MaintenanceUpdate, ScheduledMaintenance, StatusUpdate


class StatusUpdatePermissions(ModelPermissions):
    """Reading an incident's updates needs the incident's view permission; publishing needs command."""

    def has_permission(self, request: Request, view: object) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return user.has_perm("incidents.view_incident")
        return user.has_perm(COMMAND)


class IncidentStatusUpdates(generics.ListCreateAPIView):
    """`/api/incidents/{reference}/status-updates/`: list, or publish a public status update."""

    permission_classes = [StatusUpdatePermissions]
    serializer_class = s.StatusUpdateSerializer
    queryset = StatusUpdate.objects.none()  # for the schema; get_queryset() reads the incident's
    filterset_class = None

    def incident(self) -> Incident:
        return get_object_or_404(Incident, reference=self.kwargs["reference"])

    def get_queryset(self) -> QuerySet[StatusUpdate]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return (
            StatusUpdate.objects.filter(incident=self.incident())
            .select_related("author")
            .prefetch_related("affected_components__component")
            .order_by("-display_at", "-id")
        )

    @extend_schema(
        request=s.StatusUpdatePublishSerializer,
        responses={201: s.StatusUpdateSerializer, **CONFLICT_RESPONSES},
        parameters=[IF_MATCH],
        description=_(
            "Publish a public status update; it moves the incident's status and component statuses. "
            "With If-Match (the incident's ETag) or `version`, it is refused if the incident changed meanwhile."
        ),
    )
    def post(self, request: Request, reference: str) -> Response:
        incident = self.incident()
        data = valid_data(s.StatusUpdatePublishSerializer, request.data)
        update = services.status_update_publish(
            incident,
            status=data["status"],
            body=data["body"],
            by=request.user,
            component_statuses={row["component"]: row["status"] for row in data.get("components", [])},
            deliver_notifications=data.get("deliver_notifications"),
            expected_version=expected_version(request, data.get("version")),
        )
        return Response(s.StatusUpdateSerializer(update).data, status=status.HTTP_201_CREATED)


class ScheduledMaintenanceViewSet(viewsets.ModelViewSet):
    serializer_class = s.ScheduledMaintenanceSerializer
    permission_classes = [ModelPermissions]
    lookup_value_regex = ID_PATTERN
    filterset_class = ScheduledMaintenanceFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[ScheduledMaintenance]:
        return ScheduledMaintenance.objects.prefetch_related(
            Prefetch("components", queryset=Component.objects.only("pk")),
            Prefetch("updates", queryset=MaintenanceUpdate.objects.order_by("-display_at", "-id")),
        ).order_by("-scheduled_for", "-id")

    def perform_create(self, serializer: BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.maintenance_create(by=self.request.user, **data)

    def perform_update(self, serializer: BaseSerializer) -> None:
        assert isinstance(serializer.instance, ScheduledMaintenance)
        serializer.instance = services.maintenance_update(
            serializer.instance, by=self.request.user, **dict(serializer.validated_data)
        )

    def perform_destroy(self, instance: ScheduledMaintenance) -> None:
        services.maintenance_delete(instance, by=self.request.user)
