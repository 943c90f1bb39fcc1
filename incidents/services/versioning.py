"""Optimistic concurrency for incidents: a change made from an older version is refused, never applied
over what someone else did meanwhile.

Every service that changes an incident's state locks its row (`lock_incident`), checks the version the
caller saw (`expected_version`, when given) and counts its change (`count_change`) in the same
transaction: of two concurrent submits from the same version, the second waits for the lock, then finds
a newer version and is refused.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import Incident
from incidents.timeline import Actor, acting_user
from incidents.timezones import zoned_text

VERSION_FIELDS = ["version", "changed_at", "changed_by"]


def changed_by_text(incident: Incident) -> str:
    """Who made the incident's latest change: a username, or Warroom itself (timers, alerts, commands)."""
    user = incident.changed_by
    return user.get_username() if user is not None else "Warroom"


class IncidentConflict(ValidationError):
    """The incident changed since the caller's version: review the fresh values and resubmit."""

    def __init__(self, incident: Incident, expected_version: int) -> None:
        self.incident = incident
        self.expected_version = expected_version
        self.current_version = incident.version
        self.changed_by = changed_by_text(incident)
        self.changed_at: datetime | None = incident.changed_at
        params = {"reference": incident.reference, "user": self.changed_by}
        if incident.changed_at:
            message = _("%(reference)s was changed by %(user)s at %(time)s, review and resubmit.") % {
                **params,
                "time": zoned_text(incident.changed_at, "H:i"),
            }
        else:
            message = _("%(reference)s was changed by %(user)s, review and resubmit.") % params
        super().__init__(message, code="conflict")


def parse_version(value: object) -> int | None:
    """A version from a form or request body: empty means "not checked"; anything else must be a whole number."""
    if value is None or value == "":
        return None
    try:
        number = int(str(value))
    except ValueError:
        number = -1
    if number < 1:
        raise ValidationError({"version": _("The version must be a whole number of 1 or more.")})
    return number


def check_version(incident: Incident, expected_version: int | None) -> None:
    """Refuse when the (locked) incident is not at the version the caller saw."""
    if expected_version is not None and incident.version != expected_version:
        raise IncidentConflict(incident, expected_version)


def count_change(incident: Incident, *, by: Actor, at: datetime | None = None) -> list[str]:
    """Count one change of the locked incident; returns the fields to save with it."""
    incident.version += 1
    incident.changed_at = at or timezone.now()
    incident.changed_by = acting_user(by)
    return list(VERSION_FIELDS)
