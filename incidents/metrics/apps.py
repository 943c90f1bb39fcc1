from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    name = "incidents.metrics"
    label = "metrics"
    verbose_name = _("Metrics")

    def ready(self) -> None:
        from incidents.metrics import receivers

        receivers.connect()
