"""API permissions follow the admin groups: model permissions for reads and writes, and
`incidents.command_incident` for transitions and severity changes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.permissions import BasePermission, DjangoModelPermissions
from rest_framework.request import Request

from incidents.roles import COMMAND_PERMISSION as COMMAND


class ModelPermissions(DjangoModelPermissions):
    """DjangoModelPermissions, with reads requiring the view permission (Viewer and up)."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }


class IncidentPermissions(ModelPermissions):
    """Per action: reading needs view, acknowledge and notes need change, the rest need command."""

    CHANGE_ACTIONS = ("acknowledge", "notes")
    COMMAND_ACTIONS = ("resolve",)

    def has_permission(self, request: Request, view: Any) -> bool:
        action = getattr(view, "action", None)
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            if action in self.CHANGE_ACTIONS:
                return user.has_perm("incidents.change_incident")
            if action in self.COMMAND_ACTIONS:
                return user.has_perm(COMMAND)
        return super().has_permission(request, view)


class ApiDocsAccess(BasePermission):
    """The OpenAPI schema and its docs: anyone logged in (session or token), or everyone when
    `API_DOCS_PUBLIC` is set."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(settings.API_DOCS_PUBLIC or (request.user and request.user.is_authenticated))
