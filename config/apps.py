from typing import Any

from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project as an app: it holds what spans every package, like the demo data."""

    name = "config"
    label = "project"
    verbose_name = "Warroom"

    def ready(self) -> None:
        from django.db.models.signals import pre_migrate

        # Sent once per app with models, before any migration runs; the first one refuses.
        pre_migrate.connect(refuse_a_database_from_before_the_package_layout, dispatch_uid="project.old_layout")


# Migrations that only a database made before the per-package layout has recorded.
OLD_LAYOUT_MIGRATIONS = ("0003_timer_engine", "0003_status_updates", "0007_merge_status_updates")


def refuse_a_database_from_before_the_package_layout(using: str = "default", **kwargs: Any) -> None:
    """Nothing is released yet, so the migrations were started afresh; an older database cannot be carried
    forward and would half-work. Say so plainly instead of migrating it."""
    from django.core.management.base import CommandError
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connections[using])
    if not recorder.has_table():
        return
    if recorder.migration_qs.filter(app="incidents", name__in=OLD_LAYOUT_MIGRATIONS).exists():
        raise CommandError(
            "This database was made by a Warroom from before its first release, whose migrations have since "
            "been started afresh. Delete var/ (or drop the PostgreSQL database) and run `make run` again."
        )
