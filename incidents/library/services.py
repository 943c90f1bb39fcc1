"""Writes of the library: sending a runbook message about an incident, and marking a playbook reviewed."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from incidents.library.models import CommunicationTemplate, Playbook, QuickReferenceLink
from incidents.library.reviews import plan_playbook_review
from incidents.models import Component, Incident, SeverityPolicy, TimelineEntry, TimelineKind
from incidents.outbox import services as outbox
from incidents.services import lock_incident
from incidents.timeline import Actor, timeline_append
from incidents.timers.engine import cancel


@transaction.atomic
def communication_send(
    incident: Incident,
    *,
    template: CommunicationTemplate | None,
    by: Actor,
    recipients: Iterable[str],
    subject: str,
    body: str,
) -> TimelineEntry:
    """Email a message (usually rendered from a runbook template, then edited) and log it on the timeline.

    One outbox row per address, written in this transaction: a refused change sends nothing, and a mail
    server outage is retried by the outbox instead of failing the commander's request."""
    addresses = [address.strip() for address in recipients if address.strip()]
    if not addresses:
        raise ValidationError({"recipients": "Name at least one recipient."})
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError as error:
            raise ValidationError({"recipients": f"{address!r} is not an email address."}) from error
    if not subject.strip() or not body.strip():
        raise ValidationError({"body": "A message needs a subject and a body."})
    incident = lock_incident(incident)
    for address in addresses:
        outbox.enqueue(target=f"email:{address}", subject=subject, body=body, about=incident)
    return timeline_append(
        incident,
        kind=TimelineKind.COMMUNICATION,
        text=f"Emailed “{subject}” to {', '.join(addresses)}",
        by=by,
        data={"template": getattr(template, "name", None), "recipients": addresses, "subject": subject, "body": body},
    )


@transaction.atomic
def playbook_mark_reviewed(playbook: Playbook, *, by: Actor) -> Playbook:
    playbook = Playbook.objects.select_for_update().get(pk=playbook.pk)
    playbook.last_reviewed_at = timezone.now()
    playbook._change_reason = f"Reviewed by {getattr(by, 'username', 'system')}"  # type: ignore[attr-defined]
    playbook.save(update_fields=["last_reviewed_at"])
    plan_playbook_review(playbook)
    return playbook


# The library's rows, as the admin edits them.


@transaction.atomic
def playbook_save(playbook: Playbook, *, by: Actor, components: Iterable[Component] | None = None) -> Playbook:
    """Create or edit a playbook. A changed review interval moves the pending review to the new date."""
    playbook.full_clean()
    playbook._change_reason = f"Edited by {getattr(by, 'username', 'system')}"  # type: ignore[attr-defined]
    playbook.save()
    if components is not None:
        playbook.components.set(list(components))
    plan_playbook_review(playbook)
    return playbook


@transaction.atomic
def playbook_delete(playbook: Playbook, *, by: Actor) -> None:
    """Remove a playbook and its pending review reminder."""
    cancel(playbook)
    playbook.delete()


@transaction.atomic
def communication_template_save(
    template: CommunicationTemplate, *, by: Actor, severities: Iterable[SeverityPolicy] | None = None
) -> CommunicationTemplate:
    """Create or edit a message template; one that does not parse is refused (see the model's clean)."""
    template.full_clean()
    template.save()
    if severities is not None:
        template.severities.set(list(severities))
    return template


@transaction.atomic
def communication_template_delete(template: CommunicationTemplate, *, by: Actor) -> None:
    template.delete()


@transaction.atomic
def quick_reference_save(link: QuickReferenceLink, *, by: Actor) -> QuickReferenceLink:
    link.full_clean()
    link.save()
    return link


@transaction.atomic
def quick_reference_delete(link: QuickReferenceLink, *, by: Actor) -> None:
    link.delete()
