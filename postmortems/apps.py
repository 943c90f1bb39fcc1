from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostmortemsConfig(AppConfig):
    name = "postmortems"
    verbose_name = _("Post-incident review")

    def ready(self) -> None:
        from postmortems import receivers, timers

        timers.register()
        receivers.connect()
