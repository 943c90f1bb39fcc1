"""The timer engine: every clock is a row, fired by Celery beat's tick. It knows no incident.

Use ``incidents.timers.engine``:

``register_kind(kind, handler, *, label="")``
    Register a timer kind. ``handler(timer, subject) -> str | None`` runs inside the tick's claiming
    transaction with the subject row locked; it may write rows, ``schedule()`` follow-ups and enqueue
    outbox messages (``dedupe_key=timer.notification_key``), and returns a short outcome. Register from
    your ``AppConfig.ready()`` so that web, worker and beat processes all know the kind.

``schedule(*, subject, kind, due_at, step="", data=None) -> Timer``
    Idempotent upsert on the unique (subject, kind, step) key. ``subject`` is any model instance
    (stored as content type + object id). A pending or cancelled timer is re-armed with the new due
    time; a timer that already fired is left alone, so each step fires at most once.

``cancel(subject, kinds=None, *, steps=None) -> int``
    Cancel the subject's pending timers (optionally only these kinds/steps).

``tick() -> TickResult``
    Run by the beat task ``timers.tick`` every ``TIMER_TICK_SECONDS``: selects due timers through a
    partial index on ``due_at``, claims each with a conditional UPDATE (``... WHERE id = %s AND
    fired_at IS NULL``), runs its handler in the same transaction and records the heartbeat.

``heartbeat() -> HeartbeatState``
    When the tick last ran and whether that is stale (older than three intervals).
"""
