"""`POST /api/incidents/{reference}/status-updates/{id}/withdraw/`: the cockpit's "Withdraw" (the update
leaves the status page; the incident and components stay as they are). Commanders only, as in the admin."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.api.permissions import COMMAND
from incidents.api.scoped import REFERENCE_PARAMETER, VIEW_INCIDENT, IncidentScopedViewSet
from incidents.statuspage import services
from incidents.statuspage.api import serializers as s
from incidents.statuspage.models import StatusUpdate

UPDATE_ID_PATTERN = r"[A-Za-z0-9_-]{1,16}"


class StatusUpdateWithdrawViewSet(IncidentScopedViewSet):
    serializer_class = s.StatusUpdateSerializer
    action_permissions = {"withdraw": (VIEW_INCIDENT, COMMAND)}
    queryset = StatusUpdate.objects.none()

    @extend_schema(
        parameters=[
            REFERENCE_PARAMETER,
            OpenApiParameter("id", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("The update's id.")),
        ],
        request=None,
        responses=s.StatusUpdateSerializer,
    )
    def withdraw(self, request: Request, reference: str, id: str) -> Response:
        update = get_object_or_404(StatusUpdate, incident=self.incident, public_id=id)
        try:
            update = services.status_update_withdraw(update, by=request.user)
        except ValidationError as refused:
            raise ValidationError({"published": refused.messages}) from refused
        fresh = StatusUpdate.objects.select_related("author").prefetch_related("affected_components__component")
        return Response(s.StatusUpdateSerializer(fresh.get(pk=update.pk)).data)
