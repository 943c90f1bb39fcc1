"""`/api/integrations/` (list, create) and the three webhook endpoints monitoring posts to."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from incidents.alerts import selectors, services
from incidents.alerts.api import serializers as s
from incidents.alerts.models import Integration, IntegrationKind
from incidents.api.permissions import ModelPermissions


class IntegrationViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Monitoring integrations. Creating one answers its secret key, once."""

    permission_classes = [ModelPermissions]
    serializer_class = s.IntegrationSerializer
    queryset = Integration.objects.none()
    filterset_class = None

    def get_queryset(self) -> QuerySet[Integration]:
        return selectors.integrations().order_by("name")

    @extend_schema(responses={201: s.CreatedIntegrationSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = s.IntegrationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        integration, key = services.integration_create(**data)
        body: dict[str, Any] = dict(s.IntegrationSerializer(integration).data)
        body.update(payload_count=0, key=key, webhook_url=services.key_url(integration, key))
        return Response(body, status=status.HTTP_201_CREATED)

    def get_serializer_class(self) -> type[BaseSerializer]:
        return s.IntegrationSerializer


def _not_found() -> HttpResponse:
    return HttpResponse(status=404)


@csrf_exempt
def webhook(request: HttpRequest, endpoint: str, key: str = "") -> HttpResponse:
    """POST a payload. The key is the URL's segment or `Authorization: Bearer <key>`. A wrong or revoked
    key answers 404 with no detail and stores nothing."""
    if not key:
        scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
        key = token.strip() if scheme.lower() == "bearer" else ""
    integration = selectors.integration_for_key(key)
    if integration is None or endpoint not in IntegrationKind.values:
        return _not_found()
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > services.MAX_PAYLOAD_BYTES:
        return JsonResponse({"detail": _("A payload may be at most 1 MiB.")}, status=413)
    raw = request.read(services.MAX_PAYLOAD_BYTES + 1)
    if len(raw) > services.MAX_PAYLOAD_BYTES:
        return JsonResponse({"detail": _("A payload may be at most 1 MiB.")}, status=413)
    received = services.receive(integration, endpoint=endpoint, raw=raw)
    if received.errors:
        return JsonResponse(received.errors, status=400)
    payload = received.payload
    return JsonResponse(
        {"outcome": payload.outcome, "detail": payload.detail, "payload": payload.pk},
        status=202,
    )
