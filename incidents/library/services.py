"""Writes of the library: sending a runbook message about an incident, and marking a playbook reviewed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.languages import in_site_language
from incidents.library.communications import render_message
from incidents.library.files import SECTIONS, PlaybookDocument
from incidents.library.models import CommunicationTemplate, Playbook, QuickReferenceLink
from incidents.library.reviews import plan_playbook_review
from incidents.models import ChecklistItem, Component, Incident, SeverityPolicy, TimelineEntry, TimelineKind
from incidents.outbox import services as outbox
from incidents.services import checklist_items_add, lock_incident
from incidents.timeline import Actor, timeline_append
from incidents.timers.engine import cancel

# The playbook fields a file holds (besides its components).
IMPORTED_FIELDS = ("title", "keywords", "review_interval", "last_reviewed_at", *SECTIONS.values())


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
    A subject or body left empty is taken from `template` rendered for the incident.

    One outbox row per address, written in this transaction: a refused change sends nothing, and a mail
    server outage is retried by the outbox instead of failing the commander's request."""
    if template is not None and not (subject.strip() and body.strip()):
        rendered = render_message(template, incident)
        subject, body = subject.strip() or rendered.subject, body.strip() or rendered.body
    addresses = [address.strip() for address in recipients if address.strip()]
    if not addresses:
        raise ValidationError({"recipients": _("Name at least one recipient.")})
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError as error:
            raise ValidationError(
                {"recipients": _("%(address)s is not an email address.") % {"address": repr(address)}}
            ) from error
    if not subject.strip() or not body.strip():
        raise ValidationError({"body": _("A message needs a subject and a body.")})
    incident = lock_incident(incident)
    for address in addresses:
        outbox.enqueue(target=f"email:{address}", subject=subject, body=body, about=incident)
    with in_site_language():  # the timeline is the incident's record, kept in the site's language
        text = _("Emailed “%(subject)s” to %(recipients)s") % {"subject": subject, "recipients": ", ".join(addresses)}
    return timeline_append(
        incident,
        kind=TimelineKind.COMMUNICATION,
        text=text,
        by=by,
        data={"template": getattr(template, "name", None), "recipients": addresses, "subject": subject, "body": body},
    )


@transaction.atomic
def playbook_apply(incident: Incident, *, playbook: Playbook, by: Actor) -> list[ChecklistItem]:
    """Follow a playbook on an incident: its resolution steps join the incident's checklist (steps it
    already has are skipped) and the timeline records which playbook was applied."""
    incident = lock_incident(incident)
    if not incident.is_open:
        raise ValidationError(
            {
                "playbook": _("%(reference)s is %(status)s; apply playbooks while it is open.")
                % {"reference": incident.reference, "status": str(incident.get_status_display()).lower()}
            }
        )
    steps = [line.strip() for line in playbook.resolution.splitlines() if line.strip()]
    if not steps:
        raise ValidationError(
            {"playbook": _("“%(playbook)s” has no resolution steps to add.") % {"playbook": playbook.title}}
        )
    with in_site_language():
        source = _("playbook “%(playbook)s”") % {"playbook": playbook.title}
    return checklist_items_add(incident, labels=steps, by=by, source=source)


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


# Playbooks from files (`manage.py import_playbooks`).


@dataclass
class PlaybookImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _playbook_from(document: PlaybookDocument, playbook: Playbook) -> Playbook:
    playbook.title = document.title
    playbook.keywords = document.keywords
    playbook.review_interval = document.review_interval
    playbook.last_reviewed_at = document.last_reviewed_at
    for name in SECTIONS.values():
        setattr(playbook, name, document.texts.get(name, ""))
    return playbook


def _import_problems(documents: list[PlaybookDocument], components: dict[str, Component]) -> list[str]:
    """Every problem of every file, found before anything is written."""
    problems = []
    seen: dict[str, str] = {}
    for document in documents:
        if document.title in seen:
            other = seen[document.title]
            problems.append(
                _("%(where)s: field 'title': %(title)s is also the title in %(other)s")
                % {"where": document.where("title"), "title": repr(document.title), "other": other}
            )
        seen.setdefault(document.title, document.path)
        missing = [name for name in document.components if name not in components]
        if missing:
            problems.append(
                _("%(where)s: field 'components': no component named %(names)s")
                % {"where": document.where("components"), "names": ", ".join(repr(name) for name in missing)}
            )
        try:
            # Field checks only: the title's uniqueness is this import's own business (matched, then updated).
            _playbook_from(document, Playbook()).full_clean(validate_unique=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                problems.extend(
                    _("%(where)s: field '%(field)s': %(message)s")
                    % {"where": document.where(name), "field": name, "message": message}
                    for message in messages
                )
    return problems


@transaction.atomic
def playbooks_import(documents: list[PlaybookDocument], *, by: Actor) -> PlaybookImportResult:
    """Create or update playbooks from parsed files, matched by title; all or nothing.

    Every file is checked first (duplicate titles, unknown components, field limits) and a ValidationError
    lists every problem with its file; only then is anything written. A playbook whose file says what
    it already holds is left untouched, so importing the same files twice changes nothing (no history row,
    no re-armed review). Playbooks without a file are kept."""
    components = {component.name: component for component in Component.objects.all()}
    problems = _import_problems(documents, components)
    if problems:
        raise ValidationError(problems)
    existing = {playbook.title: playbook for playbook in Playbook.objects.prefetch_related("components")}
    result = PlaybookImportResult()
    for document in documents:
        current = existing.get(document.title)
        wanted = sorted(document.components)
        if current is not None:
            before = [getattr(current, name) for name in IMPORTED_FIELDS]
            same_components = sorted(component.name for component in current.components.all()) == wanted
            _playbook_from(document, current)
            if before == [getattr(current, name) for name in IMPORTED_FIELDS] and same_components:
                result.unchanged.append(document.title)
                continue
        playbook_save(
            current or _playbook_from(document, Playbook()),
            by=by,
            components=[components[name] for name in wanted],
        )
        (result.updated if current is not None else result.created).append(document.title)
    return result
