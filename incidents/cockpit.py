"""The commander's cockpit is assembled from panels that packages register from their AppConfig.ready().

The incident core draws the header, the checklist and the timeline; the status page, paging, the
library and the post-incident review each add a panel of their own without the core importing them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from incidents.models import Incident

# Where a panel appears: under the header's buttons, or in the side column beside the timeline.
HEADER = "header"
SIDE = "side"

PanelContext = Callable[[HttpRequest, Incident], dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    context: PanelContext  # None: the panel has nothing to show for this incident or user
    place: str = SIDE
    order: int = 100


_PANELS: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    """Register (or replace, by name) a cockpit panel."""
    _PANELS[panel.name] = panel


def render_panels(request: HttpRequest, incident: Incident) -> dict[str, list[SafeString]]:
    """Each registered panel rendered for this request, grouped by place and ordered."""
    rendered: dict[str, list[SafeString]] = {HEADER: [], SIDE: []}
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.name)):
        context = panel.context(request, incident)
        if context is None:
            continue
        html = render_to_string(panel.template, {"incident": incident, **context}, request=request)
        rendered[panel.place].append(mark_safe(html))  # noqa: S308 - rendered by Django's template engine
    return rendered


# Facts about an incident that one package knows and another's panel shows (paging knows when the next
# public update is due; the status page's publish panel shows it), so neither imports the other.
IncidentFact = Callable[[Incident], Any]

_FACTS: dict[str, IncidentFact] = {}


def register_fact(name: str, fact: IncidentFact) -> None:
    """Register (or replace, by name) how to compute a fact about an incident."""
    _FACTS[name] = fact


def incident_fact(name: str, incident: Incident) -> Any:
    """The fact computed for this incident, or None when no package provides it."""
    fact = _FACTS.get(name)
    return fact(incident) if fact is not None else None


# The facts provided today.
NEXT_UPDATE_DUE = "next_update_due"  # datetime | None: when the runbook's next public update is due
