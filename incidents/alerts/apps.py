from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "incidents.alerts"
    label = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        from incidents.alerts import panels, receivers

        receivers.connect()
        panels.register()
