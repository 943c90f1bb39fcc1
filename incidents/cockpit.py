"""The commander's cockpit is assembled from panels that packages register from their AppConfig.ready().

The incident core draws the header, the checklist and the timeline; the status page, paging, the
library and the post-incident review each add a panel of their own without the core importing them.

The cockpit refreshes itself (``incidents.live``): a cheap fingerprint of everything it shows decides
whether a refresh answers 304. A package whose panel shows rows the incident's own columns and timeline
do not cover (timers, notifications, status updates) registers a *state part* here: a SQL expression
evaluated against the incident row (``OuterRef("pk")``) that changes whenever those rows change. All
parts are read in one query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, Expression, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from incidents.models import Incident

# Where a panel appears: under the header's buttons, or in the side column beside the timeline.
HEADER = "header"
SIDE = "side"

StatePart = Callable[[], Expression | Subquery]
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
_STATE_PARTS: dict[str, StatePart] = {}


def register_state_part(name: str, expression: StatePart) -> None:
    """Register (or replace, by name) part of the cockpit's fingerprint: a factory of an expression on the
    incident row (use ``OuterRef("pk")`` for the incident's id) whose value changes when what a panel shows
    changes. See ``aggregate_of`` for the usual shape."""
    _STATE_PARTS[name] = expression


def state_parts() -> dict[str, StatePart]:
    return dict(sorted(_STATE_PARTS.items()))


def aggregate_of(rows: QuerySet, group_by: str, *values: Any) -> Subquery:
    """A subquery answering aggregates over ``rows`` (already filtered on ``OuterRef("pk")``) as one value,
    e.g. ``aggregate_of(Timer.objects.filter(subject_id=OuterRef("pk")), "subject_id", Count("pk"),
    Count("fired_at"))``; NULL when there are no rows."""
    value: Any = values[0]
    if len(values) > 1:
        joined: list[Any] = []
        for each in values:
            joined += [Cast(each, CharField()), Value("|")]
        value = Concat(*joined[:-1], output_field=CharField())
    return Subquery(rows.order_by().values(group_by).annotate(state_value=value).values("state_value")[:1])


# The live board of open incidents (the admin dashboard and the wall screen) shows facts other packages
# own, e.g. when the next public update is due. Each fact is read for all the board's incidents at once.
BoardFact = Callable[[list[Incident]], dict[int, Any]]

_BOARD_FACTS: dict[str, BoardFact] = {}


def register_board_fact(name: str, facts: BoardFact) -> None:
    """Register (or replace, by name) a fact shown per incident on the board: ``facts(incidents)`` answers
    ``{incident.pk: value}`` in one query; the board reads it as ``incident.board.<name>``."""
    _BOARD_FACTS[name] = facts


def board_facts(incidents: list[Incident]) -> None:
    """Attach every registered fact to each incident as ``incident.board`` (a dict)."""
    for incident in incidents:
        incident.board = {}  # type: ignore[attr-defined]
    for name, facts in sorted(_BOARD_FACTS.items()):
        values = facts(incidents) if incidents else {}
        for incident in incidents:
            incident.board[name] = values.get(incident.pk)  # type: ignore[attr-defined]
