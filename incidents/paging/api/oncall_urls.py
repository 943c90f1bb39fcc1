"""Mounted at /api/ by config/urls.py: escalation policies, rotations, on call, an incident's notifications."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from incidents.api.fields import ID_PATTERN
from incidents.api.scoped import INCIDENT_PREFIX
from incidents.paging.api import notification_views, oncall_views

router = SimpleRouter()
router.register("escalation-policies", oncall_views.EscalationPolicyViewSet, basename="escalation-policy")
router.register("rotations", oncall_views.RotationViewSet, basename="rotation")

notifications = notification_views.IncidentNotificationViewSet

urlpatterns = [
    re_path(
        INCIDENT_PREFIX + r"notifications/$", notifications.as_view({"get": "list"}), name="incident-notifications"
    ),
    re_path(
        INCIDENT_PREFIX + rf"notifications/(?P<pk>{ID_PATTERN})/retry/$",
        notifications.as_view({"post": "retry"}),
        name="incident-notification-retry",
    ),
    *router.urls,
]
