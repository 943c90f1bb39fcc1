"""Mounted at /api/ by config/urls.py."""

from django.urls import re_path

from incidents.api.views import IncidentViewSet
from incidents.paging.api import views

urlpatterns = [
    re_path(
        rf"^incidents/(?P<reference>{IncidentViewSet.lookup_value_regex})/page/$",
        views.IncidentPageNow.as_view(),
        name="incident-page-now",
    ),
]
