"""Mounted at /api/ by config/urls.py."""

from django.urls import re_path

from incidents.api.checklist import ChecklistViewSet
from incidents.api.fields import ID_PATTERN
from incidents.api.scoped import INCIDENT_PREFIX

urlpatterns = [
    re_path(INCIDENT_PREFIX + r"checklist/$", ChecklistViewSet.as_view({"get": "list"}), name="incident-checklist"),
    re_path(
        INCIDENT_PREFIX + rf"checklist/(?P<pk>{ID_PATTERN})/tick/$",
        ChecklistViewSet.as_view({"post": "tick"}),
        name="incident-checklist-tick",
    ),
]
