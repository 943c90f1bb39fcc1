"""Shared set-up for the benchmarks: Django on a throw-away test database, bulk-made open incidents."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def setup_database() -> tuple[str, Callable[[], None]]:
    """Create a fresh test database (migrated); returns its name and a function that drops it."""
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    return name, lambda: connection.creation.destroy_test_db(name, verbosity=0)


def make_open_incidents(count: int, level: str = "P3", prefix: str = "B"):
    """Open incidents with their runbook clocks pending in the future, made in bulk (not via the service)."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from incidents.models import Incident, SeverityPolicy
    from incidents.paging import clocks
    from incidents.timers.models import Timer

    severity = SeverityPolicy.objects.get(level=level)
    now = timezone.now()
    incidents = Incident.objects.bulk_create(
        Incident(
            reference=f"INC-{prefix}-{n:06d}",
            public_id=f"{prefix}{n:011d}",
            title=f"Benchmark {n}",
            severity=severity,
            started_at=now,
            detected_at=now,
            declared_at=now,
        )
        for n in range(count)
    )
    incident_type = ContentType.objects.get_for_model(Incident)
    future = now + timedelta(hours=6)
    Timer.objects.bulk_create(
        Timer(subject_type=incident_type, subject_id=incident.pk, kind=kind, step="", due_at=future)
        for incident in incidents
        for kind in (clocks.ACKNOWLEDGE_DEADLINE, clocks.RESOLUTION_DEADLINE, clocks.STAKEHOLDER_DEADLINE)
    )
    return incidents
