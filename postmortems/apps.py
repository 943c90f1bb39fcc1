from django.apps import AppConfig


class PostmortemsConfig(AppConfig):
    name = "postmortems"
    verbose_name = "Post-incident review"

    def ready(self) -> None:
        from postmortems import receivers, timers

        timers.register()
        receivers.connect()
