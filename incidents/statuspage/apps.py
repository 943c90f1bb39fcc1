from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatusPageConfig(AppConfig):
    name = "incidents.statuspage"
    label = "statuspage"
    verbose_name = _("Status page")

    def ready(self) -> None:
        from incidents.statuspage import admin, palette, signals

        signals.connect()
        admin.register_cockpit_panels()
        palette.register()
