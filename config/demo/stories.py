"""One incident's story, told through the real services at the times it happened (see replay.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from incidents import services
from incidents.models import Component, Incident, IncidentStatus, SeverityPolicy
from incidents.statuspage import services as status_services
from postmortems import services as pm_services
from postmortems.models import ActionItem, ActionPriority, ActionStatus, PostMortem

from .replay import Replay

# Runbook 3.3's status page wording.
PUBLIC_BODIES = {
    IncidentStatus.INVESTIGATING: "We are investigating reports of service unavailability.",
    IncidentStatus.IDENTIFIED: "We have identified the root cause and are implementing a fix.",
    IncidentStatus.MONITORING: "A fix has been deployed and we are monitoring the results.",
    IncidentStatus.RESOLVED: "Service has been fully restored. We will provide a post-mortem within 24 hours.",
}


@dataclass
class ActionPlan:
    action: str
    owner: Any
    due: date
    priority: str = ActionPriority.MEDIUM
    # When it was done (None: still open) and whether it was dropped instead.
    done_at: datetime | None = None
    wont_do: bool = False


@dataclass
class PostMortemPlan:
    summary: str
    what_happened: str
    detection: str
    whys: list[tuple[str, str]]
    written_at: datetime
    published_at: datetime | None = None
    actions: list[ActionPlan] = field(default_factory=list)


@dataclass
class Story:
    """What happened, when. Moves are (status, moment); public incidents make them by status updates."""

    title: str
    level: str
    components: list[str]
    started_at: datetime
    declared_at: datetime
    acknowledged_at: datetime | None
    moves: list[tuple[IncidentStatus, datetime]]
    public: bool
    users_affected_pct: int | None = None
    postmortem: PostMortemPlan | None = None
    closed_at: datetime | None = None


def tell(story: Story, replay: Replay, *, commander: Any, responder: Any) -> Incident:
    """Declare, acknowledge, move, publish and review the incident, each step at its own time."""
    at = replay.call

    def declare() -> Incident:
        return services.incident_declare(
            title=story.title,
            severity=SeverityPolicy.objects.get(level=story.level),
            by=commander,
            started_at=story.started_at,
            detected_at=story.declared_at,
            declared_at=story.declared_at,
            components=Component.objects.filter(name__in=story.components),
            public=story.public,
            users_affected_pct=story.users_affected_pct,
        )

    incident = at(story.declared_at, declare)
    steps: list[tuple[datetime, str]] = [(moment, str(status)) for status, moment in story.moves]
    if story.public:
        # The first status update goes out a few minutes after the declaration.
        steps.append((story.declared_at + timedelta(minutes=3), "first update"))
    if story.acknowledged_at is not None:
        steps.append((story.acknowledged_at, "acknowledge"))
    for moment, step in sorted(steps, key=lambda row: row[0]):
        if step == "first update":
            at(moment, partial(_publish, incident, IncidentStatus.INVESTIGATING, commander))
        elif step == "acknowledge":
            at(moment, partial(services.incident_acknowledge, incident, by=responder))
        elif story.public and step in PUBLIC_BODIES:
            at(moment, partial(_publish, incident, IncidentStatus(step), commander))
        else:
            at(moment, partial(services.incident_move_status, incident, status=step, by=commander))
        incident.refresh_from_db()
    later: list[tuple[datetime, Callable[[], Any]]] = []
    if story.postmortem is not None:
        later += _review(incident, story.postmortem, replay, commander=commander)
    if story.closed_at is not None:
        later.append((story.closed_at, partial(services.incident_close, incident, by=commander)))
    for moment, action in sorted(later, key=lambda row: row[0]):
        at(moment, action)
    incident.refresh_from_db()
    return incident


def _publish(incident: Incident, status: IncidentStatus, by: Any) -> None:
    incident.refresh_from_db()
    status_services.status_update_publish(incident, status=status, body=PUBLIC_BODIES[status], by=by)  # type: ignore[index]


def _review(
    incident: Incident, plan: PostMortemPlan, replay: Replay, *, commander: Any
) -> list[tuple[datetime, Callable[[], Any]]]:
    """The draft the resolution created: written, submitted, action items, published when planned."""
    postmortem = incident.postmortem  # type: ignore[attr-defined]

    created: list[tuple[ActionPlan, ActionItem]] = []

    def write() -> PostMortem:
        updated = pm_services.postmortem_update(
            postmortem,
            by=commander,
            summary=plan.summary,
            what_happened=plan.what_happened,
            detection=plan.detection,
        )
        pm_services.postmortem_set_whys(updated, by=commander, whys=plan.whys)
        for action in plan.actions:
            item = pm_services.action_item_create(
                postmortem=updated,
                action=action.action,
                owner=action.owner,
                due_date=action.due,
                priority=action.priority,
                by=commander,
            )
            created.append((action, item))
        return pm_services.postmortem_submit(updated, by=commander)

    postmortem = replay.call(plan.written_at, write)
    if plan.published_at is not None:
        replay.call(plan.published_at, partial(pm_services.postmortem_publish, postmortem, by=commander))
    # Finishing the action items comes later, in turn with the incident's closing.
    return [
        (
            action.done_at,
            partial(
                pm_services.action_item_set_status,
                item,
                status=ActionStatus.WONT_DO if action.wont_do else ActionStatus.DONE,
                by=action.owner,
            ),
        )
        for action, item in created
        if action.done_at is not None
    ]
