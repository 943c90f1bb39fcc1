"""A database from before the first release (whose migrations were later started afresh) is refused with
what to do, instead of being half-migrated."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder


@pytest.mark.django_db
def test_migrate_refuses_a_database_from_before_the_package_layout():
    call_command("migrate", verbosity=0)  # a current database migrates (nothing to do)
    MigrationRecorder(connection).record_applied("incidents", "0003_timer_engine")
    with pytest.raises(CommandError, match=r"Delete var/ .* and run `make run` again"):
        call_command("migrate", verbosity=0)
