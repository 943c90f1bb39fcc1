"""Telling a past incident with the real services.

The services stamp what they write with `timezone.now()`: that is right for a user's action and wrong
for demo data that starts three days or three months ago. Rather than teach every service (and every
receiver of the incident hooks) to run in the past, the demo calls each service at the real time and
then moves what that call wrote back to the moment it stands for: `Replay.at(moment)` notes the time
before the call, and afterwards shifts by (call time - moment)

- every stamp in STAMPS set during the call (the value lies within the call's real interval), and
- every stamp of a row created by the call that lies after its start (deadlines derived from "now",
  such as a post-mortem due 24 hours after resolving, keep their distance from the moment).

Stamps set to explicit values (a start time given to `incident_declare`) are left alone. Messages
written while replaying are recorded as delivered shortly after they were queued: the past has been
sent already, and the outbox must not mail it again today. The clocks of the timer engine fire in
between, each at its own due time (`Replay.fire_timers_until`), as the tick would have fired them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from django.db import connection
from django.db.models import F, Max, Model
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from incidents.models import ChecklistItem, Component, Incident, TimelineEntry
from incidents.outbox.models import Notification, NotificationStatus
from incidents.statuspage.models import StatusUpdate
from incidents.timers.engine import fire_due
from incidents.timers.models import Timer
from postmortems.models import ActionItem, PostMortem, ReviewMeeting

T = TypeVar("T")

# Every date-time the incident services, their hook receivers and the timer handlers set from "now".
STAMPS: list[tuple[type[Model], tuple[str, ...]]] = [
    (
        Incident,
        (
            "declared_at",
            "detected_at",
            "acknowledged_at",
            "identified_at",
            "monitoring_at",
            "resolved_at",
            "closed_at",
            "updated_at",
        ),
    ),
    (Incident.history.model, ("history_date",)),  # type: ignore[attr-defined]
    (TimelineEntry, ("at",)),
    (ChecklistItem, ("done_at",)),
    (StatusUpdate, ("display_at", "created_at", "updated_at")),
    (Notification, ("next_attempt_at", "queued_at", "lease_until", "sent_at", "created_at")),
    (Timer, ("due_at", "fired_at", "cancelled_at", "created_at")),
    (PostMortem, ("due_at", "created_at", "updated_at", "submitted_at", "published_at")),
    (ActionItem, ("created_at", "completed_at")),
    (ReviewMeeting, ("created_at", "invite_sent_at")),
    (Component, ("updated_at",)),
]


def _aware(value: datetime | str | None) -> datetime | None:
    """A column's value as an aware datetime (SQLite hands back text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


def _moved(value: datetime | None, started: datetime, finished: datetime, shift: timedelta, *, new: bool) -> Any:
    """Set during the call (or derived from "now" on a row the call created): moved back by `shift`."""
    if value is None:
        return None
    if started <= value <= finished or (new and value >= started):
        return value - shift
    return value


# A message of the past was delivered this long after it was queued.
DELIVERY_DELAY = timedelta(seconds=4)


class Replay:
    """Raw SQL per table, written once: the ORM would compile the same statements a thousand times."""

    def __init__(self) -> None:
        quote = connection.ops.quote_name
        self.tables = []
        for model, fields in STAMPS:
            table, pk = quote(model._meta.db_table), quote(str(model._meta.pk.column))  # type: ignore[union-attr]
            columns = [quote(str(model._meta.get_field(name).column)) for name in fields]  # type: ignore[union-attr]
            # Names from the models, quoted; values are parameters.
            select = f"SELECT {pk}, {', '.join(columns)} FROM {table} WHERE {pk} > %s OR " + " OR ".join(  # noqa: S608
                f"{column} >= %s" for column in columns
            )
            update = f"UPDATE {table} SET {', '.join(f'{column} = %s' for column in columns)} WHERE {pk} = %s"  # noqa: S608
            self.tables.append((model, len(columns), select, update))
        self.last_pk = {model: self._max_pk(model) for model, _ in STAMPS}
        # Messages queued before the replay are the instance's own: never marked delivered here.
        self.first_notification = self.last_pk[Notification]
        # The story-time span of the latest step, and the moment of the latest service call.
        self.previous: tuple[datetime, datetime] | None = None
        self.clock = datetime.min.replace(tzinfo=UTC)

    @staticmethod
    def _max_pk(model: type[Model]) -> int:
        return model._default_manager.aggregate(top=Max("pk"))["top"] or 0

    @contextmanager
    def at(self, moment: datetime) -> Iterator[None]:
        """Whatever the block writes is moved back to `moment` (or just after the previous step, when that
        one is still running at `moment` in story time: the log keeps the order things were written in)."""
        if self.previous is not None and self.previous[0] <= moment < self.previous[1]:
            moment = self.previous[1]
        started = timezone.now()
        yield
        finished = timezone.now()
        shift = started - moment
        step_end = finished - shift + timedelta(microseconds=1)
        self.previous = (moment, step_end)
        since = connection.ops.adapt_datetimefield_value(started)
        with connection.cursor() as cursor:
            for model, width, select, update in self.tables:
                last = self.last_pk[model]
                cursor.execute(select, [last, *([since] * width)])
                changes = []
                for pk, *values in cursor.fetchall():
                    self.last_pk[model] = max(self.last_pk[model], pk)
                    moved = [_moved(_aware(value), started, finished, shift, new=pk > last) for value in values]
                    if moved != [_aware(value) for value in values]:
                        changes.append([*map(connection.ops.adapt_datetimefield_value, moved), pk])
                if changes:
                    cursor.executemany(update, changes)
        Notification.objects.filter(
            pk__gt=self.first_notification, status=NotificationStatus.PENDING, created_at__lte=step_end
        ).update(status=NotificationStatus.SENT, sent_at=F("created_at") + DELIVERY_DELAY, queued_at=None, attempts=1)

    def call(self, moment: datetime, service: Callable[[], T]) -> T:
        """Run one service call as at `moment`, after the clocks that came due before it."""
        self.fire_timers_until(moment)
        self.clock = moment
        with self.at(moment):
            return service()

    def fire_timers_until(self, moment: datetime) -> None:
        """Fire the clocks due by `moment`, each at its due time as the tick would have; a clock due before
        the story's last step (an escalation at +0 min, planned when the incident was declared) fires then."""
        while True:
            due = (
                Timer.objects.filter(fired_at__isnull=True, cancelled_at__isnull=True, due_at__lte=moment)
                .order_by("due_at")
                .values_list("due_at", flat=True)
                .first()
            )
            if due is None:
                return
            with self.at(max(due, self.clock)):
                fire_due(due)
