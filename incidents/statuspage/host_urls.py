"""URLconf of a status host (`STATUS_PAGE_HOST`): the public status site at the root, nothing else."""

from django.urls import include, path

urlpatterns = [path("", include("incidents.statuspage.urls"))]
