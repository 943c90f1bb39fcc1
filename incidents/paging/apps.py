from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagingConfig(AppConfig):
    name = "incidents.paging"
    label = "paging"
    verbose_name = _("Paging")

    def ready(self) -> None:
        from incidents.paging import palette, panels, receivers

        receivers.connect()
        palette.register()
        panels.register()
