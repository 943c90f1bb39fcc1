"""Mounted at /api/ by config/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from incidents.statuspage.api import views

router = SimpleRouter()
router.register("scheduled-maintenances", views.ScheduledMaintenanceViewSet, basename="scheduledmaintenance")

urlpatterns = [
    path(
        "incidents/<str:reference>/status-updates/",
        views.IncidentStatusUpdates.as_view(),
        name="incident-status-updates",
    ),
    *router.urls,
]
