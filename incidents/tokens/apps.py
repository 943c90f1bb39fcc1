from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TokensConfig(AppConfig):
    name = "incidents.tokens"
    label = "tokens"
    verbose_name = _("API tokens")

    def ready(self) -> None:
        from incidents.tokens import admin  # noqa: F401  (replaces authtoken's admin)
