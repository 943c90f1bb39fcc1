from django.apps import AppConfig


class TokensConfig(AppConfig):
    name = "incidents.tokens"
    label = "tokens"
    verbose_name = "API tokens"

    def ready(self) -> None:
        from incidents.tokens import admin  # noqa: F401  (replaces authtoken's admin)
