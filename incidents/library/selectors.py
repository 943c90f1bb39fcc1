"""Reads of the library: which playbooks and templates fit an incident."""

from __future__ import annotations

from incidents.library.models import CommunicationTemplate, Playbook, QuickReferenceLink
from incidents.models import Incident, SeverityPolicy


def suggested_playbooks(incident: Incident, limit: int = 3) -> list[Playbook]:
    """Playbooks whose components or keywords match the incident, best match first."""
    text = f"{incident.title} {incident.summary}".lower()
    component_ids = {c.pk for c in incident.components.all()}
    scored = []
    for playbook in Playbook.objects.prefetch_related("components"):
        score = 2 * len(component_ids & {c.pk for c in playbook.components.all()})
        score += sum(1 for word in playbook.keyword_list if word in text)
        if score:
            scored.append((score, playbook.title, playbook))
    scored.sort(key=lambda row: (-row[0], row[1]))
    return [playbook for _, _, playbook in scored[:limit]]


def templates_for(severity: SeverityPolicy) -> list[CommunicationTemplate]:
    """Templates offered for a severity: those tied to it and those tied to none."""
    return [
        template
        for template in CommunicationTemplate.objects.prefetch_related("severities")
        if not template.severities.all() or any(s.pk == severity.pk for s in template.severities.all())
    ]


def quick_reference() -> list[QuickReferenceLink]:
    return list(QuickReferenceLink.objects.all())


def playbook_files() -> list[tuple[str, str]]:
    """(file name, content) of every playbook as `export_playbooks` writes it, in title order."""
    from incidents.library.files import file_name, render

    return [
        (file_name(playbook), render(playbook, [component.name for component in playbook.components.all()]))
        for playbook in Playbook.objects.prefetch_related("components").order_by("title")
    ]
