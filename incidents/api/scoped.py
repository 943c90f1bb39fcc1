"""Endpoints under one incident (`/api/incidents/{reference}/…`) that other packages add: the incident
is looked up by reference (404 when unknown), and each action names the permission it needs, as the
admin checks them (reading an incident needs its view permission)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import viewsets
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from incidents import selectors
from incidents.models import Incident

REFERENCE_PATTERN = r"INC-\d{4}-\d{2}-\d{2}-\d{3,}"
# Prefix of a nested route's regex, e.g. re_path(INCIDENT_PREFIX + r"checklist/$", …).
INCIDENT_PREFIX = rf"^incidents/(?P<reference>{REFERENCE_PATTERN})/"
VIEW_INCIDENT = "incidents.view_incident"
CHANGE_INCIDENT = "incidents.change_incident"

REFERENCE_PARAMETER = OpenApiParameter(
    "reference",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description=gettext_lazy("The incident's reference, INC-YYYY-MM-DD-NNN."),
)


class ActionPermissions(BasePermission):
    """Every permission the view lists for the current action (`action_permissions`), reading defaults
    to `read_permissions`; a logged-in user without them gets 403."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        needed: tuple[str, ...] | None = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if needed is None:
            needed = getattr(view, "read_permissions", (VIEW_INCIDENT,))
        return bool(user.has_perms(needed or ()))


class IncidentScopedViewSet(viewsets.GenericViewSet):
    """A viewset whose routes start with INCIDENT_PREFIX: `self.incident` is that incident."""

    permission_classes = [ActionPermissions]
    read_permissions: tuple[str, ...] = (VIEW_INCIDENT,)
    action_permissions: dict[str, tuple[str, ...]] = {}
    filterset_class = None
    filter_backends: list[Any] = []

    @cached_property
    def incident(self) -> Incident:
        try:
            return selectors.incidents_with_sla().get(reference=self.kwargs["reference"])
        except Incident.DoesNotExist as missing:
            raise Http404(_("No incident with this reference.")) from missing

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.incident  # noqa: B018 - an unknown reference is a 404 before the action runs
