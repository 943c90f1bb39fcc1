"""The timer engine: every clock of the runbook is a row, fired by Celery beat's tick.

Public API (import from ``incidents.timers``):

``register_kind(kind, handler, *, label="")``
    Register a timer kind. ``handler(timer, subject) -> str | None`` runs inside the tick's claiming
    transaction with the subject row locked; it may write timeline entries, ``schedule()`` follow-ups
    and ``notify.enqueue()`` notifications, and returns a short outcome shown in the cockpit. Register
    from your ``AppConfig.ready()`` so that web, worker and beat processes all know the kind.

``schedule(*, subject, kind, due_at, step="", data=None) -> Timer``
    Idempotent upsert on the unique (subject, kind, step) key. ``subject`` is any model instance
    (stored as content type + object id). A pending or cancelled timer is re-armed with the new due
    time; a timer that already fired is left alone, so each step fires at most once.

``cancel(subject, kinds=None, *, steps=None) -> int``
    Cancel the subject's pending timers (optionally only these kinds/steps).

``tick() -> TickResult``
    Run by the Celery beat task ``incidents.tasks.tick`` every ``TIMER_TICK_SECONDS``: selects due
    timers through a partial index on ``due_at``, claims each one with a conditional UPDATE (``...
    WHERE id = %s AND fired_at IS NULL``) and runs its handler in the same transaction; then re-queues
    undelivered notifications and records the heartbeat. Concurrent ticks are safe.

``plan_incident_timers(incident)``
    Called by every incident service inside its transaction: (re)plans the runbook's clocks
    (acknowledge, resolution and stakeholder deadlines, escalation steps, update reminders).

``heartbeat() -> HeartbeatState``
    When the tick last ran and whether that is stale (older than three intervals).

Example, from another app::

    from incidents import notify, timers

    def remind_owner(timer, item):
        notify.enqueue(timer=timer, target=item.owner, subject="Action item overdue", body=item.title)
        return "reminded"

    timers.register_kind("postmortems.action_item_overdue", remind_owner, label="Action item overdue")
    timers.schedule(subject=item, kind="postmortems.action_item_overdue", due_at=item.due_at)
"""

from __future__ import annotations

from incidents.timers.clocks import RUNBOOK_KINDS, plan_incident_timers, step_targets
from incidents.timers.engine import (
    HeartbeatState,
    TickResult,
    cancel,
    heartbeat,
    kind_label,
    register_kind,
    registered_kinds,
    schedule,
    tick,
    timers_for,
)

__all__ = [
    "RUNBOOK_KINDS",
    "HeartbeatState",
    "TickResult",
    "cancel",
    "heartbeat",
    "kind_label",
    "plan_incident_timers",
    "register_kind",
    "registered_kinds",
    "schedule",
    "step_targets",
    "tick",
    "timers_for",
]
