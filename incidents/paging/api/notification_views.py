"""`/api/incidents/{reference}/notifications/`: the messages sent about an incident (as the cockpit's
notifications panel lists them, through `paging.selectors.notifications_of`), and retrying a failed one
through the outbox's `retry`, which needs the same permission as the admin's retry action."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.api.scoped import REFERENCE_PARAMETER, VIEW_INCIDENT, IncidentScopedViewSet
from incidents.outbox import services as outbox
from incidents.outbox.models import Notification
from incidents.paging import selectors
from incidents.paging.api.oncall_serializers import NotificationSerializer

RETRY_PERMISSION = "outbox.change_notification"


@extend_schema_view(
    list=extend_schema(parameters=[REFERENCE_PARAMETER]),
)
class IncidentNotificationViewSet(mixins.ListModelMixin, IncidentScopedViewSet):
    serializer_class = NotificationSerializer
    read_permissions = (VIEW_INCIDENT, "outbox.view_notification")
    action_permissions = {"retry": (VIEW_INCIDENT, RETRY_PERMISSION)}
    queryset = Notification.objects.none()

    def get_queryset(self) -> QuerySet[Notification]:
        return selectors.notifications_of(self.incident)

    @extend_schema(parameters=[REFERENCE_PARAMETER], request=None, responses=NotificationSerializer)
    def retry(self, request: Request, reference: str, pk: str) -> Response:
        notification = get_object_or_404(self.get_queryset(), pk=pk)
        try:
            outbox.retry([notification])
        except ValidationError as refused:
            raise ValidationError({"status": refused.messages}) from refused
        return Response(NotificationSerializer(self.get_queryset().get(pk=notification.pk)).data)
