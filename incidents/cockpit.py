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
