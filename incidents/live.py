"""What lets the cockpit and the board refresh themselves cheaply: fingerprints of their state.

The browser polls with ``If-None-Match``; the server answers 304 when the fingerprint is unchanged,
after one query (besides the session and the user). Polling was chosen over server-sent events because
it holds no request open per viewer: it works under gunicorn with sync workers and on the default
single machine, and a poll that changes nothing costs about as much as a health check.

The incident's fingerprint covers its own row (every service bumps ``updated_at``), whether its SLA is
breached (a deadline passing with nothing else changing), its timeline (append-only, so the largest id),
its checklist, and the state parts other packages register through ``incidents.cockpit`` for their
panels (timers and notifications, status updates).
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, DateTimeField, Max, OuterRef, Q, Subquery
from django.utils import timezone

from incidents import cockpit, faults, selectors
from incidents.models import OPEN_STATUSES, ChecklistItem, TimelineEntry

# Bumped when what a refresh returns changes shape, so browsers holding an old ETag fetch afresh.
LIVE_FORMAT = "1"
CACHE_ERRORS = (redis.RedisError, OSError, pickle.PickleError)  # what an unreachable or failing Redis raises


def poll_seconds() -> float:
    return float(getattr(settings, "LIVE_POLL_SECONDS", 4))


def make_etag(*parts: Any) -> str:
    digest = hashlib.blake2b(repr((LIVE_FORMAT, *parts)).encode(), digest_size=12).hexdigest()
    return f'"{digest}"'


# The fingerprint query has the same shape on every poll, and building it with the ORM costs several
# times what running it does; so it is compiled once per process with stand-ins for the incident and the
# time, which each poll replaces by the real ones.
_STAND_IN_PK = -7_391_204_517
_STAND_IN_NOW = datetime(1971, 2, 3, 4, 5, 6, 789_012, tzinfo=UTC)
_compiled: dict[tuple[str, ...], tuple[str, tuple[Any, ...], Any]] = {}


def incident_state_query(pk: int, now: datetime) -> Any:
    annotations: dict[str, Any] = {
        "live_timeline": Subquery(
            TimelineEntry.objects.filter(incident=OuterRef("pk")).order_by("-id").values("id")[:1]
        ),
        "live_checklist": cockpit.aggregate_of(
            ChecklistItem.objects.filter(incident=OuterRef("pk")), "incident", Count("done_at")
        ),
    }
    annotations.update({f"live_{name}": factory() for name, factory in cockpit.state_parts().items()})
    return (
        selectors.incidents_with_sla(now)
        .filter(pk=pk)
        .annotate(**annotations)
        .values_list("updated_at", "sla_breached", *annotations)
        .order_by()
    )


def incident_state(pk: int, now: datetime | None = None) -> tuple | None:
    """Everything the cockpit shows that can change, as one row; None when the incident is gone."""
    now = now or timezone.now()
    key = (connection.alias, *cockpit.state_parts())
    if key not in _compiled:
        sql, params = incident_state_query(_STAND_IN_PK, _STAND_IN_NOW).query.sql_with_params()
        stand_in_now = DateTimeField().get_db_prep_value(_STAND_IN_NOW, connection)
        _compiled[key] = (sql, params, stand_in_now)
    sql, params, stand_in_now = _compiled[key]
    real_now = DateTimeField().get_db_prep_value(now, connection)
    values = [pk if p == _STAND_IN_PK else real_now if p == stand_in_now else p for p in params]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    return tuple(row) if row is not None else None


def shared_for_a_moment(key: str, read: Any) -> Any:
    """`read()`, shared by every web process for LIVE_STATE_CACHE_SECONDS: many viewers polling the same
    incident cost one fingerprint query a moment between them. Without the cache (down, or 0 seconds)
    every poll reads the database; a change is seen at most that many seconds later."""
    seconds = float(getattr(settings, "LIVE_STATE_CACHE_SECONDS", 0))
    if seconds <= 0 or not faults.available(faults.CACHE):
        return read()
    try:
        cached = cache.get(key)
    except CACHE_ERRORS as error:
        faults.failed(faults.CACHE, error)
        return read()
    if cached is not None:
        return cached
    value = read()
    try:
        cache.set(key, value, seconds)
    except CACHE_ERRORS as error:
        faults.failed(faults.CACHE, error)
    return value


def incident_state_shared(pk: int) -> tuple | None:
    return shared_for_a_moment(f"live:incident:{pk}", lambda: incident_state(pk))


def board_state_shared() -> tuple:
    return shared_for_a_moment("live:board", board_state)


def board_state(now: datetime | None = None) -> tuple:
    """The board's fingerprint: the open incidents' latest change, count and breaches, and the latest
    timeline entry anywhere (an escalation or a reminder fired by the timer engine)."""
    now = now or timezone.now()
    incidents = selectors.incidents_with_sla(now).filter(status__in=OPEN_STATUSES)
    summary = incidents.aggregate(
        changed=Max("updated_at"),
        count=Count("pk"),
        breached=Count("pk", filter=Q(sla_breached=True)),
    )
    latest_entry = TimelineEntry.objects.order_by("-id").values_list("id", flat=True).first()
    return (summary["changed"], summary["count"], summary["breached"], latest_entry)


def state_etag(state: Iterable[Any] | None, *viewer: Any) -> str:
    return make_etag(tuple(state) if state is not None else None, *viewer)


def board(user_pk: int | None, *, wall: bool = False) -> dict[str, Any]:
    """What the live board draws. Its ETag is read first, so a change made meanwhile is fetched next time."""
    etag = state_etag(board_state_shared(), user_pk)
    incidents = selectors.board_incidents()
    cockpit.board_facts(incidents)
    return {
        "incidents": incidents,
        "by_severity": selectors.open_incident_counts_by_severity(),
        "etag": etag,
        "interval": poll_seconds(),
        "wall": wall,
    }
