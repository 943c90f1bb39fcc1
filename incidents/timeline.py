"""The incident log. This module is the only writer of TimelineEntry: entries are appended inside the
transaction that makes the change they record, and never edited or deleted.

The log is one record read by everyone (the cockpit, the API, the post-mortem), so its texts are written
in the site's language (WARROOM_LANGUAGE), whoever's browser made the change: build them inside
`incidents.languages.in_site_language()`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.utils import timezone

from incidents import logcontext
from incidents.models import Incident, TimelineEntry

# Who did it: a user, or None for the system (timers, commands); anonymous callers count as the system.
Actor = AbstractBaseUser | AnonymousUser | None


def acting_user(by: Actor) -> User | None:
    """The user to record as author: None for the system (tasks, commands) and anonymous callers."""
    if by is None or not by.is_authenticated:
        return None
    return cast(User, by)  # AUTH_USER_MODEL is Django's User


def timeline_append(
    incident: Incident,
    *,
    kind: str,
    text: str,
    by: Actor = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> TimelineEntry:
    """Append to the incident log. Call inside the transaction that makes the change."""
    logcontext.set_incident(incident.reference)
    return TimelineEntry.objects.create(
        incident=incident, kind=kind, text=text, author=acting_user(by), data=data or {}, at=at or timezone.now()
    )
