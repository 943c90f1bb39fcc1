"""The timer engine: every clock of the runbook is a row, fired by Celery beat's tick.

plan_incident_timers() is called by every incident service inside its transaction.
"""

from __future__ import annotations

from incidents.models import Incident


def plan_incident_timers(incident: Incident) -> None:
    """(Re)plan the incident's clocks after a change. Called inside the service's transaction."""
    return None
