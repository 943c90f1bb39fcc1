from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Warroom"
admin.site.site_title = "Warroom"
admin.site.index_title = "Incident command"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("status/", include("incidents.public.urls")),
    path("api/", include("incidents.api.urls")),
]
