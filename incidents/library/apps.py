from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "incidents.library"
    label = "library"
    verbose_name = "Runbook library"

    def ready(self) -> None:
        from incidents.library import panels, reviews

        reviews.register()
        panels.register()
