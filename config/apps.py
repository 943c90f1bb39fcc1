from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project as an app: it holds what spans every package, like the demo data."""

    name = "config"
    label = "project"
    verbose_name = "Warroom"
