from django.apps import AppConfig


class StatusPageConfig(AppConfig):
    name = "incidents.statuspage"
    label = "statuspage"
    verbose_name = "Status page"

    def ready(self) -> None:
        from incidents.statuspage import admin, palette, signals

        signals.connect()
        admin.register_cockpit_panels()
        palette.register()
