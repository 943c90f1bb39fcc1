from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "incidents.outbox"
    label = "outbox"
    verbose_name = "Outbox"
