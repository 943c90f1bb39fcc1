"""Paging in the API, read-only: escalation policies, rotations and who is on call now or at a given
moment (`?at=`), computed by `oncall.on_call_at` as in the admin."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.api.fields import ID_PATTERN
from incidents.api.permissions import ModelPermissions
from incidents.paging import oncall, selectors
from incidents.paging.api import oncall_serializers as s
from incidents.paging.models import EscalationPolicy, Rotation

AT_PARAMETER = OpenApiParameter(
    "at", datetime, description=gettext_lazy("ISO 8601 moment, e.g. 2026-12-24T21:00:00Z; default now."), required=False
)


class EscalationPolicyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Who is paged, and when, per severity. Apprise URLs are redacted for whoever may not change them."""

    serializer_class = s.EscalationPolicySerializer
    permission_classes = [ModelPermissions]
    lookup_value_regex = ID_PATTERN
    queryset = EscalationPolicy.objects.none()
    filterset_class = None
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[EscalationPolicy]:
        return selectors.escalation_policies().order_by("severity__level")


def moment(request: Request) -> datetime:
    """`?at=` parsed, else now; a malformed value is a 400 naming `at`."""
    query = s.OnCallQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    at: datetime = query.validated_data.get("at") or timezone.now()
    return at


def on_call(rotation: Rotation, at: datetime) -> dict[str, Any]:
    try:
        shift = oncall.on_call_at(rotation, at)
        following = oncall.on_call_at(rotation, shift.ends_at) if shift else None
    except OverflowError as error:  # a shift so long that it ends past the calendar
        raise ValidationError(
            {"at": _("%(rotation)s: its shifts cannot be computed around this moment.") % {"rotation": rotation}}
        ) from error
    return s.on_call_row(rotation, at, shift, following)


class RotationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """On-call rotations, and who is on call in them now or at `?at=`."""

    serializer_class = s.RotationSerializer
    permission_classes = [ModelPermissions]
    lookup_value_regex = ID_PATTERN
    queryset = Rotation.objects.none()
    filterset_class = None
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Rotation]:
        at = getattr(self, "_at", None) or timezone.now()
        return selectors.rotations_for(at)

    @extend_schema(parameters=[AT_PARAMETER], responses=s.OnCallSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="on-call")
    def on_call_all(self, request: Request) -> Response:
        """Every rotation's shift covering the moment, and the one after it."""
        self._at = at = moment(request)
        page = self.paginate_queryset(self.get_queryset())
        rows = [on_call(rotation, at) for rotation in page or []]
        return self.get_paginated_response(s.OnCallSerializer(rows, many=True).data)

    @extend_schema(parameters=[AT_PARAMETER], responses=s.OnCallSerializer)
    @action(detail=True, methods=["get"], url_path="on-call")
    def on_call(self, request: Request, pk: str) -> Response:
        self._at = at = moment(request)
        return Response(s.OnCallSerializer(on_call(self.get_object(), at)).data)

    def get_serializer_class(self) -> Any:
        return s.OnCallSerializer if self.action in ("on_call", "on_call_all") else s.RotationSerializer
