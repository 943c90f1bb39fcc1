from django.apps import AppConfig


class TimersConfig(AppConfig):
    name = "incidents.timers"
    label = "timers"
    verbose_name = "Timers"
