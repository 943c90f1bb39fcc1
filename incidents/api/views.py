"""The private REST API. Views validate input and call the services; they never change state themselves."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from incidents import selectors, services
from incidents.api import serializers as s
from incidents.api.fields import ID_PATTERN
from incidents.api.filters import IncidentFilter
from incidents.api.permissions import COMMAND, IncidentPermissions, ModelPermissions
from incidents.api.versions import CONFLICT_RESPONSES, IF_MATCH, expected_version, with_etag
from incidents.models import Component, Incident


def valid_data(serializer_class: type[BaseSerializer], data: Any) -> dict[str, Any]:
    """The validated input, or a 400 naming the fields."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class IncidentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    """Incidents, addressed by reference (INC-YYYY-MM-DD-NNN)."""

    lookup_field = "reference"
    lookup_value_regex = r"INC-\d{4}-\d{2}-\d{2}-\d{3,}"
    permission_classes = [IncidentPermissions]
    filterset_class = IncidentFilter
    serializer_class = s.IncidentSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Incident]:
        return (
            selectors.incidents_with_sla()
            .prefetch_related(Prefetch("components", queryset=Component.objects.only("pk")))
            .order_by("-declared_at", "-id")
        )

    @extend_schema(request=s.IncidentCreateSerializer, responses={201: s.IncidentSerializer})
    def create(self, request: Request, **kwargs: Any) -> Response:
        data = valid_data(s.IncidentCreateSerializer, request.data)
        incident = services.incident_declare(
            by=request.user,
            title=data["title"],
            severity=data["severity"],
            summary=data.get("summary", ""),
            components=data.get("components", []),
            users_affected_pct=data.get("users_affected_pct"),
            public=data.get("public", False),
            public_impact_override=data.get("public_impact_override", ""),
            started_at=data.get("started_at"),
        )
        return with_etag(Response(self._out(incident), status=status.HTTP_201_CREATED), incident)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incident = self.get_object()
        return with_etag(Response(self.get_serializer(incident).data), incident)

    @extend_schema(
        request=s.IncidentUpdateSerializer,
        responses={200: s.IncidentSerializer, **CONFLICT_RESPONSES},
        parameters=[IF_MATCH],
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incident = self.get_object()
        data = valid_data(s.IncidentUpdateSerializer, request.data)
        if ("severity" in data or "status" in data) and not request.user.has_perm(COMMAND):
            raise PermissionDenied(_("Changing severity or status needs the incident commander role."))
        # One service, one transaction: a refused status move leaves the title (and all else) unchanged.
        incident = services.incident_update(
            incident,
            by=request.user,
            expected_version=expected_version(request, data.pop("version", None)),
            severity=data.pop("severity", None),
            status=data.pop("status", None),
            note=data.pop("note", ""),
            components=data.pop("components", None),
            details=data,
        )
        return self._out_response(incident)

    @extend_schema(
        request=s.VersionSerializer,
        responses={200: s.IncidentSerializer, **CONFLICT_RESPONSES},
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, reference: str, **kwargs: Any) -> Response:
        data = valid_data(s.VersionSerializer, request.data)
        incident = services.incident_acknowledge(
            self.get_object(), by=request.user, expected_version=expected_version(request, data.get("version"))
        )
        return self._out_response(incident)

    @extend_schema(
        request=s.ResolveSerializer,
        responses={200: s.IncidentSerializer, **CONFLICT_RESPONSES},
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, reference: str, **kwargs: Any) -> Response:
        data = valid_data(s.ResolveSerializer, request.data)
        incident = services.incident_resolve(
            self.get_object(),
            by=request.user,
            note=data.get("note", ""),
            expected_version=expected_version(request, data.get("version")),
        )
        return self._out_response(incident)

    @extend_schema(request=s.NoteSerializer, responses={201: s.TimelineEntrySerializer})
    @action(detail=True, methods=["post"])
    def notes(self, request: Request, reference: str, **kwargs: Any) -> Response:
        data = valid_data(s.NoteSerializer, request.data)
        entry = services.incident_add_note(self.get_object(), by=request.user, text=data["text"])
        return Response(s.TimelineEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=s.TimelineEntrySerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None)
    def timeline(self, request: Request, reference: str, **kwargs: Any) -> Response:
        entries = selectors.incident_timeline(self.get_object())
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(s.TimelineEntrySerializer(page, many=True).data)

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.action == "timeline":
            return s.TimelineEntrySerializer
        return s.IncidentSerializer

    def _out(self, incident: Incident) -> Any:
        return s.IncidentSerializer(self.get_queryset().get(pk=incident.pk)).data

    def _out_response(self, incident: Incident) -> Response:
        return with_etag(Response(self._out(incident)), incident)


class ComponentViewSet(viewsets.ModelViewSet):
    queryset = Component.objects.order_by("group", "position", "name")
    serializer_class = s.ComponentSerializer
    permission_classes = [ModelPermissions]
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["status", "group"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_create(self, serializer: BaseSerializer) -> None:
        serializer.instance = services.component_create(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: BaseSerializer) -> None:
        assert isinstance(serializer.instance, Component)
        serializer.instance = services.component_update(
            serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance: Component) -> None:
        services.component_delete(instance, by=self.request.user)
