from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from incidents.admin.preferences import preferences_view
from incidents.metrics.views import metrics
from incidents.timers import health

admin.site.site_header = _("Warroom")
admin.site.site_title = _("Warroom")
admin.site.index_title = _("Incident command")

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/preferences/", admin.site.admin_view(preferences_view), name="admin_preferences"),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("api/", include("postmortems.api.urls")),
    path("status/", include("incidents.statuspage.urls")),
    path("api/", include("incidents.statuspage.api.urls")),
    path("api/", include("incidents.alerts.api.urls")),
    path("api/", include("incidents.paging.api.urls")),
    path("api/", include("incidents.api.checklist_urls")),
    path("api/", include("incidents.library.api.urls")),
    path("api/", include("incidents.paging.api.oncall_urls")),
    path("api/", include("incidents.api.urls")),
]
