"""`/api/incidents/{reference}/checklist/`: the incident's checklist, and ticking an item (as the
cockpit's tick does, through `checklist_item_tick`)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from incidents import selectors, services
from incidents.api.scoped import CHANGE_INCIDENT, REFERENCE_PARAMETER, IncidentScopedViewSet
from incidents.models import ChecklistItem


class ChecklistItemSerializer(serializers.ModelSerializer):
    done = serializers.BooleanField(read_only=True)
    done_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = ChecklistItem
        fields = ["id", "position", "label", "done", "done_at", "done_by"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(parameters=[REFERENCE_PARAMETER]),
    tick=extend_schema(parameters=[REFERENCE_PARAMETER], request=None, responses=ChecklistItemSerializer),
)
class ChecklistViewSet(mixins.ListModelMixin, IncidentScopedViewSet):
    """The incident's checklist in order; ticking an item needs the change permission (Responder and up)."""

    serializer_class = ChecklistItemSerializer
    action_permissions = {"tick": (CHANGE_INCIDENT,)}
    queryset = ChecklistItem.objects.none()

    def get_queryset(self) -> QuerySet[ChecklistItem]:
        return selectors.incident_checklist(self.incident)

    @action(detail=True, methods=["post"])
    def tick(self, request: Request, reference: str, pk: str) -> Response:
        item = get_object_or_404(self.get_queryset(), pk=pk)
        item = services.checklist_item_tick(item, by=request.user)
        return Response(ChecklistItemSerializer(self.get_queryset().get(pk=item.pk)).data)
