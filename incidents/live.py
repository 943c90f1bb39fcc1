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
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, OuterRef, Q
from django.utils import timezone

from incidents import cockpit, selectors
from incidents.models import OPEN_STATUSES, ChecklistItem, TimelineEntry

# Bumped when what a refresh returns changes shape, so browsers holding an old ETag fetch afresh.
LIVE_FORMAT = "1"


def poll_seconds() -> float:
    return float(getattr(settings, "LIVE_POLL_SECONDS", 4))


def make_etag(*parts: Any) -> str:
    digest = hashlib.blake2b(repr((LIVE_FORMAT, *parts)).encode(), digest_size=12).hexdigest()
    return f'"{digest}"'


def incident_state(pk: int, now: datetime | None = None) -> tuple | None:
    """Everything the cockpit shows that can change, as one row; None when the incident is gone."""
    parts = cockpit.state_parts()
    annotations: dict[str, Any] = {
        "live_timeline": cockpit.aggregate_of(
            TimelineEntry.objects.filter(incident=OuterRef("pk")), "incident", Max("id")
        ),
        "live_checklist": cockpit.aggregate_of(
            ChecklistItem.objects.filter(incident=OuterRef("pk")), "incident", Count("done_at")
        ),
    }
    annotations.update({f"live_{name}": factory() for name, factory in parts.items()})
    row = (
        selectors.incidents_with_sla(now)
        .filter(pk=pk)
        .annotate(**annotations)
        .values_list("updated_at", "sla_breached", *annotations)
        .first()
    )
    return tuple(row) if row is not None else None


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
    etag = state_etag(board_state(), user_pk)
    incidents = selectors.board_incidents()
    cockpit.board_facts(incidents)
    return {
        "incidents": incidents,
        "by_severity": selectors.open_incident_counts_by_severity(),
        "etag": etag,
        "interval": poll_seconds(),
        "wall": wall,
    }
