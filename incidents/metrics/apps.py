from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "incidents.metrics"
    label = "metrics"
    verbose_name = "Metrics"

    def ready(self) -> None:
        from incidents.metrics import receivers

        receivers.connect()
