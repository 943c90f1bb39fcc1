"""Mounted at /api/ by config/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from postmortems.api import views

# "/?": /api/postmortems/1/markdown and /api/postmortems/1/markdown/ both work.
router = SimpleRouter()
router.trailing_slash = "/?"
router.register("postmortems", views.PostMortemViewSet, basename="postmortem")
router.register("action-items", views.ActionItemViewSet, basename="actionitem")
router.register("review-meetings", views.ReviewMeetingViewSet, basename="reviewmeeting")

urlpatterns = [
    path("reports/<str:section>.csv", views.ReportCsvView.as_view(), name="report-csv"),
    path("reports/<str:section>/", views.ReportView.as_view(), name="report"),
    *router.urls,
]
