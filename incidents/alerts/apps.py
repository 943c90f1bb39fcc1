from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "incidents.alerts"
    label = "alerts"
    verbose_name = _("Alerts")

    def ready(self) -> None:
        from incidents.alerts import panels, receivers

        receivers.connect()
        panels.register()
