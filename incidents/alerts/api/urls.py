"""Mounted at /api/ by config/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from incidents.alerts.api import views

router = SimpleRouter()
router.register("integrations", views.IntegrationViewSet, basename="integration")

ENDPOINTS = "<str:endpoint>"

urlpatterns = [
    path(f"integrations/{ENDPOINTS}/", views.webhook, name="alerts-webhook-bearer"),
    path(f"integrations/<str:key>/{ENDPOINTS}/", views.webhook, name="alerts-webhook"),
    *router.urls,
]
