"""An incident's roles in the API: read and set them, hand over command, add and remove responders.

    GET/PUT/PATCH /api/incidents/{reference}/roles/
    POST          /api/incidents/{reference}/handover/
    POST          /api/incidents/{reference}/responders/
    DELETE        /api/incidents/{reference}/responders/{username}/

People are named by username, as the incident's `commander` is. Each request is one service call.
"""

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

from incidents import selectors, services
from incidents.api.permissions import COMMAND
from incidents.api.views import valid_data
from incidents.models import Incident

MAX_RESPONDERS = 200
USERNAME_PATTERN = r"[\w.@+-]{1,150}"


class UsernameField(serializers.SlugRelatedField):
    """A user by username (inactive users are refused by the services, with the reason)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="username", queryset=User.objects.all(), **kwargs)


class RolesSerializer(serializers.Serializer):
    """Who holds each role: usernames, null when unassigned."""

    commander = serializers.CharField(allow_null=True, read_only=True)
    communications_lead = serializers.CharField(allow_null=True, read_only=True)
    scribe = serializers.CharField(allow_null=True, read_only=True)
    responders = serializers.ListField(child=serializers.CharField(), read_only=True)

    @staticmethod
    def of(incident: Incident) -> dict[str, Any]:
        def name(user: User | None) -> str | None:
            return user.get_username() if user is not None else None

        return {
            "commander": name(incident.commander),
            "communications_lead": name(incident.communications_lead),
            "scribe": name(incident.scribe),
            "responders": [user.get_username() for user in incident.responders.all()],
        }


class RolesUpdateSerializer(serializers.Serializer):
    """PUT gives every role (null: nobody), PATCH only those to change. A new commander is a hand-over
    (both are notified); new responders are paged unless `page_new_responders` is false."""

    commander = UsernameField(
        help_text=gettext_lazy("A new commander takes command (a hand-over; it cannot be emptied).")
    )
    communications_lead = UsernameField(allow_null=True)
    scribe = UsernameField(allow_null=True)
    responders = serializers.ListField(
        child=serializers.CharField(max_length=150),
        max_length=MAX_RESPONDERS,
        help_text=gettext_lazy("Usernames; the full list."),
    )
    page_new_responders = serializers.BooleanField(required=False, default=True)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)

    def validate_responders(self, value: list[str]) -> list[User]:
        names = list(dict.fromkeys(value))
        found = {user.get_username(): user for user in User.objects.filter(username__in=names)}
        missing = [name for name in names if name not in found]
        if missing:
            raise serializers.ValidationError(_("No user named %(names)s.") % {"names": ", ".join(missing[:10])})
        return [found[name] for name in names]


class HandOverSerializer(serializers.Serializer):
    to = UsernameField(help_text=gettext_lazy("Username of the new commander."))
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class ResponderAddSerializer(serializers.Serializer):
    user = UsernameField(help_text=gettext_lazy("Username of the responder to add."))
    page = serializers.BooleanField(
        required=False, default=True, help_text=gettext_lazy("Page them now (default true).")
    )


class RolesPermissions(BasePermission):
    """Reading needs the incident's view permission; the view names what a write needs."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return user.has_perm("incidents.view_incident")
        return user.has_perm(view.write_permission)


class IncidentRolesBase(APIView):
    permission_classes = [RolesPermissions]
    write_permission = COMMAND

    def incident(self, reference: str) -> Incident:
        return get_object_or_404(Incident, reference=reference)

    def roles(self, incident: Incident) -> Response:
        return Response(RolesSerializer.of(selectors.incident_with_roles(incident.pk)))


class IncidentRoles(IncidentRolesBase):
    """Who is commander, communications lead, scribe and responder; changing them needs the command role."""

    @extend_schema(responses=RolesSerializer)
    def get(self, request: Request, reference: str) -> Response:
        return self.roles(self.incident(reference))

    @extend_schema(request=RolesUpdateSerializer, responses=RolesSerializer)
    def put(self, request: Request, reference: str) -> Response:
        return self._set(request, reference, partial=False)

    @extend_schema(request=RolesUpdateSerializer(partial=True), responses=RolesSerializer)
    def patch(self, request: Request, reference: str) -> Response:
        return self._set(request, reference, partial=True)

    def _set(self, request: Request, reference: str, *, partial: bool) -> Response:
        incident = self.incident(reference)
        serializer = RolesUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.incident_set_roles(
            incident,
            by=request.user,
            roles={role: data[role] for role in services.ROLE_NAMES if role in data},
            responders=data.get("responders"),
            page_new_responders=data.get("page_new_responders", True),
            note=data.get("note", ""),
        )
        return self.roles(incident)


class IncidentHandOver(IncidentRolesBase):
    @extend_schema(
        request=HandOverSerializer,
        responses=RolesSerializer,
        description=gettext_lazy(
            "Hand command from the current commander to another person: logged, and both are notified."
        ),
    )
    def post(self, request: Request, reference: str) -> Response:
        incident = self.incident(reference)
        data = valid_data(HandOverSerializer, request.data)
        services.incident_hand_over_command(incident, by=request.user, to=data["to"], note=data["note"])
        return self.roles(incident)


class IncidentResponders(IncidentRolesBase):
    write_permission = "incidents.change_incident"

    @extend_schema(
        request=ResponderAddSerializer,
        responses={201: RolesSerializer},
        description=gettext_lazy("Add a responder; with `page` (the default) they are paged now through the outbox."),
    )
    def post(self, request: Request, reference: str) -> Response:
        incident = self.incident(reference)
        data = valid_data(ResponderAddSerializer, request.data)
        services.incident_add_responder(incident, by=request.user, user=data["user"], page=data["page"])
        response = self.roles(incident)
        response.status_code = status.HTTP_201_CREATED
        return response


class IncidentResponder(IncidentRolesBase):
    write_permission = "incidents.change_incident"

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, reference: str, username: str) -> Response:
        incident = self.incident(reference)
        user = get_object_or_404(User, username=username)
        services.incident_remove_responder(incident, by=request.user, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)
