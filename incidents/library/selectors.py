"""Reads of the library: which playbooks and templates fit an incident."""

from __future__ import annotations

from dataclasses import dataclass

from incidents.library.models import CommunicationTemplate, Playbook, QuickReferenceLink
from incidents.models import Incident, SeverityPolicy


@dataclass(frozen=True)
class PlaybookMatch:
    playbook: Playbook
    score: int
    matched_keywords: list[str]
    matched_components: list[str]


def playbook_matches(incident: Incident, limit: int = 3) -> list[PlaybookMatch]:
    """Playbooks whose components (counting twice) or keywords (found in the title and summary) match
    the incident, best match first, with what matched."""
    text = f"{incident.title} {incident.summary}".lower()
    component_ids = {c.pk for c in incident.components.all()}
    matches = []
    for playbook in Playbook.objects.prefetch_related("components"):
        components = sorted(c.name for c in playbook.components.all() if c.pk in component_ids)
        keywords = [word for word in playbook.keyword_list if word in text]
        score = 2 * len(components) + len(keywords)
        if score:
            matches.append(PlaybookMatch(playbook, score, keywords, components))
    matches.sort(key=lambda match: (-match.score, match.playbook.title))
    return matches[:limit]


def suggested_playbooks(incident: Incident, limit: int = 3) -> list[Playbook]:
    """Playbooks whose components or keywords match the incident, best match first."""
    return [match.playbook for match in playbook_matches(incident, limit)]


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
