from django.apps import AppConfig


class PagingConfig(AppConfig):
    name = "incidents.paging"
    label = "paging"
    verbose_name = "Paging"

    def ready(self) -> None:
        from incidents.paging import palette, panels, receivers

        receivers.connect()
        palette.register()
        panels.register()
