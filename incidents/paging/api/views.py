"""Paging in the private API: page someone now for an incident."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.api.serializers import TimelineEntrySerializer
from incidents.api.views import valid_data
from incidents.models import Incident
from incidents.outbox.services import notifications_about
from incidents.paging import services
from incidents.paging.forms import PAGE_PERMISSION
from incidents.paging.models import EscalationStep, Rotation


class PageNowSerializer(serializers.Serializer):
    """Exactly one of `user`, `rotation` or `tier`, and a reason."""

    user = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.all(),
        required=False,
        help_text=gettext_lazy("Username of a person to page."),
    )
    rotation = serializers.PrimaryKeyRelatedField(
        queryset=Rotation.objects.all(),
        required=False,
        help_text=gettext_lazy("Page whoever is on call in this rotation now."),
    )
    tier = serializers.PrimaryKeyRelatedField(
        queryset=EscalationStep.objects.all(),
        required=False,
        help_text=gettext_lazy("An escalation policy step: page every target of its tier now."),
    )
    reason = serializers.CharField(
        max_length=500, help_text=gettext_lazy("Why they are paged; it goes in the page and the log.")
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [name for name in ("user", "rotation", "tier") if attrs.get(name) is not None]
        if len(given) != 1:
            raise serializers.ValidationError({"target": _("Give exactly one of user, rotation or tier.")})
        return attrs


class PagedNotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    target = serializers.CharField(source="target_display")
    status = serializers.CharField()


class PageResultSerializer(serializers.Serializer):
    timeline_entry = TimelineEntrySerializer()
    notifications = PagedNotificationSerializer(many=True)


class CanPage(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(PAGE_PERMISSION))


class IncidentPageNow(APIView):
    permission_classes = [CanPage]

    @extend_schema(
        request=PageNowSerializer,
        responses={201: PageResultSerializer},
        description=gettext_lazy(
            "Page a person, a rotation's current on-call or an escalation tier now, outside the "
            "escalation schedule: one notification per target through the outbox, logged on the timeline."
        ),
    )
    def post(self, request: Request, reference: str) -> Response:
        incident = get_object_or_404(Incident, reference=reference)
        data = valid_data(PageNowSerializer, request.data)
        entry = services.page_now(
            incident,
            by=request.user,
            reason=data["reason"],
            user=data.get("user"),
            rotation=data.get("rotation"),
            tier=data.get("tier"),
        )
        sent = notifications_about(incident).filter(dedupe_key=f"page:{entry.pk}").select_related("user").order_by("id")
        body = {"timeline_entry": entry, "notifications": list(sent)}
        return Response(PageResultSerializer(body).data, status=status.HTTP_201_CREATED)
