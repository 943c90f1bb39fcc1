"""What the post-incident services share: the incident log line, the post-mortem row lock, the field check."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from incidents.languages import in_site_language
from incidents.models import Incident, TimelineKind
from incidents.timeline import Actor, timeline_append
from postmortems.models import PostMortem


def log_to_incident(incident: Incident, text: str | Callable[[], str], *, by: Actor, **data: Any) -> None:
    """Append to the incident log. The log is stored text read by everyone: a callable `text` is rendered in
    the site's language (WARROOM_LANGUAGE), whichever language the acting user reads."""
    if callable(text):
        with in_site_language():
            text = text()
    timeline_append(incident, kind=TimelineKind.POSTMORTEM, text=text, by=by, data=data)


def lock_postmortem(postmortem: PostMortem) -> PostMortem:
    return PostMortem.objects.select_for_update().select_related("incident__severity").get(pk=postmortem.pk)


def refuse_unknown(changes: dict[str, Any], editable: Sequence[str]) -> None:
    unknown = set(changes) - set(editable)
    if unknown:
        raise ValidationError(
            _("These fields cannot be edited here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
