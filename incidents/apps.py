from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Incidents")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from incidents.admin import roles as roles_panel
        from incidents.roles import ensure_role_groups

        roles_panel.register()
        # After every migrate (tests included) so that permissions of models added later are granted.
        post_migrate.connect(ensure_role_groups, dispatch_uid="incidents.ensure_role_groups")
