import functools
from collections.abc import Callable
from typing import Any

from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from incidents.api import roles, views


def docs_login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The docs page is read in a browser: without access, go to the login page and come back."""

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (settings.API_DOCS_PUBLIC or request.user.is_authenticated):
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return guarded


# Swagger UI's page carries a <style> block and its stylesheet inline SVG icons; its script is served
# from this same URL (the split view), so scripts stay 'self' only.
API_DOCS_CSP = {"style-src": ["'unsafe-inline'"], "img-src": ["data:"]}

router = DefaultRouter()
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("components", views.ComponentViewSet, basename="component")

REFERENCE = views.IncidentViewSet.lookup_value_regex

urlpatterns = [
    re_path(rf"^incidents/(?P<reference>{REFERENCE})/roles/$", roles.IncidentRoles.as_view(), name="incident-roles"),
    re_path(
        rf"^incidents/(?P<reference>{REFERENCE})/handover/$", roles.IncidentHandOver.as_view(), name="incident-handover"
    ),
    re_path(
        rf"^incidents/(?P<reference>{REFERENCE})/responders/$",
        roles.IncidentResponders.as_view(),
        name="incident-responders",
    ),
    re_path(
        rf"^incidents/(?P<reference>{REFERENCE})/responders/(?P<username>{roles.USERNAME_PATTERN})/$",
        roles.IncidentResponder.as_view(),
        name="incident-responder",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/",
        csp_update(API_DOCS_CSP)(docs_login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema"))),
        name="api-docs",
    ),
    path("", include(router.urls)),
]
