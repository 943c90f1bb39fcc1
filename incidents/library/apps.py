from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibraryConfig(AppConfig):
    name = "incidents.library"
    label = "library"
    verbose_name = _("Runbook library")

    def ready(self) -> None:
        from incidents.library import panels, reviews

        reviews.register()
        panels.register()
