"""Mounted at /api/ by config/urls.py."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from incidents.api.scoped import INCIDENT_PREFIX
from incidents.statuspage.api import views
from incidents.statuspage.api.withdraw_views import UPDATE_ID_PATTERN, StatusUpdateWithdrawViewSet

router = SimpleRouter()
router.register("scheduled-maintenances", views.ScheduledMaintenanceViewSet, basename="scheduledmaintenance")

urlpatterns = [
    path(
        "incidents/<str:reference>/status-updates/",
        views.IncidentStatusUpdates.as_view(),
        name="incident-status-updates",
    ),
    re_path(
        INCIDENT_PREFIX + rf"status-updates/(?P<id>{UPDATE_ID_PATTERN})/withdraw/$",
        StatusUpdateWithdrawViewSet.as_view({"post": "withdraw"}),
        name="incident-status-update-withdraw",
    ),
    *router.urls,
]
