"""What the post-incident services share: the incident log line, the post-mortem row lock, the field check."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError

from incidents.models import Incident, TimelineKind
from incidents.timeline import Actor, timeline_append
from postmortems.models import PostMortem


def log_to_incident(incident: Incident, text: str, *, by: Actor, **data: Any) -> None:
    timeline_append(incident, kind=TimelineKind.POSTMORTEM, text=text, by=by, data=data)


def lock_postmortem(postmortem: PostMortem) -> PostMortem:
    return PostMortem.objects.select_for_update().select_related("incident__severity").get(pk=postmortem.pk)


def refuse_unknown(changes: dict[str, Any], editable: Sequence[str]) -> None:
    unknown = set(changes) - set(editable)
    if unknown:
        raise ValidationError(f"These fields cannot be edited here: {', '.join(sorted(unknown))}.")
