"""Post-incident review writes. The incident services call the two hooks below."""

from __future__ import annotations

from typing import Any

from incidents.models import Incident


def on_incident_resolved(incident: Incident, *, by: Any) -> None:
    """Called in the transaction that resolves an incident."""
    return None


def check_incident_can_close(incident: Incident) -> None:
    """Raise ValidationError when the incident may not be closed yet."""
    return None
