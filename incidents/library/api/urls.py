"""Mounted at /api/ by config/urls.py."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from incidents.api.scoped import INCIDENT_PREFIX
from incidents.library.api import views

router = SimpleRouter()
router.register("communication-templates", views.CommunicationTemplateViewSet, basename="communication-template")
router.register("playbooks", views.PlaybookViewSet, basename="playbook")

urlpatterns = [
    re_path(
        INCIDENT_PREFIX + r"communications/$",
        views.IncidentCommunicationViewSet.as_view({"post": "send"}),
        name="incident-communications",
    ),
    re_path(
        INCIDENT_PREFIX + r"communications/preview/$",
        views.IncidentCommunicationViewSet.as_view({"get": "preview"}),
        name="incident-communication-preview",
    ),
    re_path(
        INCIDENT_PREFIX + r"playbooks/suggested/$",
        views.IncidentPlaybookViewSet.as_view({"get": "suggested"}),
        name="incident-playbooks-suggested",
    ),
    re_path(
        INCIDENT_PREFIX + r"playbooks/apply/$",
        views.IncidentPlaybookViewSet.as_view({"post": "apply"}),
        name="incident-playbook-apply",
    ),
    *router.urls,
]
