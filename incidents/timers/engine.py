"""The engine proper: the kind registry, schedule/cancel (idempotent upserts) and the tick."""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.functional import Promise

from incidents import logcontext
from incidents.timers.models import Timer, TimerHeartbeat
from incidents.timers.signals import tick_finished, timer_fired

logger = logging.getLogger("incidents.timers")

# A handler gets the claimed timer and its subject (locked with SELECT ... FOR UPDATE) and runs inside
# the claiming transaction. It returns a short outcome ("paged 3", "skipped: acknowledged") or None.
Handler = Callable[[Timer, Any], str | None]  # as stored: each kind's handler takes its own subject model
SubjectT = TypeVar("SubjectT", bound=models.Model)


@dataclass(frozen=True)
class TimerKind:
    kind: str
    handler: Handler
    label: str | Promise  # shown in the cockpit's Timers panel: a lazy translation, rendered in the reader's language


_KINDS: dict[str, TimerKind] = {}

HEARTBEAT = "tick"
TICK_BATCH = 500
# After this many handler errors a timer stops being retried (it stays visible with its error).
MAX_HANDLER_FAILURES = 5


def register_kind(kind: str, handler: Callable[[Timer, SubjectT], str | None], *, label: str | Promise = "") -> None:
    """Register (or replace) the handler of a timer kind. Call it from an AppConfig.ready()."""
    _KINDS[kind] = TimerKind(kind=kind, handler=handler, label=label or kind)


def kind_label(kind: str) -> str | Promise:
    registered = _KINDS.get(kind)
    return registered.label if registered else kind


def _subject_key(subject: models.Model) -> tuple[ContentType, int]:
    return ContentType.objects.get_for_model(subject, for_concrete_model=False), int(subject.pk)


def schedule(
    *, subject: models.Model, kind: str, due_at: datetime, step: str = "", data: dict[str, Any] | None = None
) -> Timer:
    """Idempotent upsert on (subject, kind, step).

    A new key creates a pending timer. An existing pending or cancelled timer is re-armed with the new
    due time. A timer that already fired is left alone: each step fires at most once.
    """
    if kind not in _KINDS:
        raise ValueError(f"Unknown timer kind {kind!r}; register it with timers.register_kind().")
    content_type, subject_id = _subject_key(subject)
    key = {"subject_type": content_type, "subject_id": subject_id, "kind": kind, "step": step}
    with transaction.atomic():
        timer = Timer.objects.select_for_update().filter(**key).first()
        if timer is None:
            try:
                with transaction.atomic():
                    return Timer.objects.create(**key, due_at=due_at, data=data or {})
            except IntegrityError:  # created concurrently: fall through to the update
                timer = Timer.objects.select_for_update().get(**key)
        if timer.fired_at is not None:
            return timer
        timer.due_at = due_at
        timer.cancelled_at = None
        if data is not None:
            timer.data = data
        timer.save(update_fields=["due_at", "cancelled_at", "data"])
        return timer


def cancel(subject: models.Model, kinds: Iterable[str] | None = None, *, steps: Iterable[str] | None = None) -> int:
    """Cancel the subject's pending timers (of these kinds / steps); returns how many."""
    content_type, subject_id = _subject_key(subject)
    pending = Timer.objects.filter(
        subject_type=content_type, subject_id=subject_id, fired_at__isnull=True, cancelled_at__isnull=True
    )
    if kinds is not None:
        pending = pending.filter(kind__in=list(kinds))
    if steps is not None:
        pending = pending.filter(step__in=list(steps))
    return pending.update(cancelled_at=timezone.now())


def timers_for(subject: models.Model) -> models.QuerySet[Timer]:
    content_type, subject_id = _subject_key(subject)
    return Timer.objects.filter(subject_type=content_type, subject_id=subject_id)


# The tick


@dataclass
class TickResult:
    fired: int = 0
    skipped: int = 0
    errors: int = 0


def tick(*, batch: int = TICK_BATCH) -> TickResult:
    """Fire every due timer once and record the heartbeat. Safe to run concurrently."""
    started = time.perf_counter()
    now = timezone.now()
    result = fire_due(now, batch=batch)
    TimerHeartbeat.objects.update_or_create(name=HEARTBEAT, defaults={"beat_at": now, "fired": result.fired})
    tick_finished.send(
        sender=TickResult,
        duration=time.perf_counter() - started,
        due=result.fired + result.skipped + result.errors,
        result=result,
    )
    return result


def fire_due(until: datetime, *, batch: int = TICK_BATCH) -> TickResult:
    """Fire the timers due by `until`, earliest first: the tick's work without its heartbeat. The demo
    data replays a past incident's clocks with it, one due time after another."""
    result = TickResult()
    due = list(
        Timer.objects.filter(
            fired_at__isnull=True, cancelled_at__isnull=True, due_at__lte=until, failures__lt=MAX_HANDLER_FAILURES
        )
        .order_by("due_at")
        .values_list("pk", "subject_type_id", "subject_id", "kind")[:batch]
    )
    for timer_id, subject_type_id, subject_id, kind in due:
        # What a handler binds for its log lines (its incident) is not told of the next timer.
        with logcontext.scope():
            try:
                fired = _fire(timer_id, subject_type_id, subject_id, kind)
            except Exception as error:  # one broken handler must not stop the others
                logger.exception("timer %s (%s) failed", timer_id, kind)
                _record_failure(timer_id, error)
                result.errors += 1
                continue
        if fired:
            result.fired += 1
        else:
            result.skipped += 1
    return result


@transaction.atomic
def _fire(timer_id: int, subject_type_id: int, subject_id: int, kind: str) -> bool:
    registered = _KINDS.get(kind)
    if registered is None:
        raise LookupError(f"No handler registered for timer kind {kind!r}")
    # Lock order: subject first, then the timer row, the same order as the services (which lock the
    # incident and then re-plan its timers), so a tick and a service call never deadlock.
    model = ContentType.objects.get_for_id(subject_type_id).model_class()
    subject = None
    if model is not None:
        subject = model._default_manager.select_for_update().filter(pk=subject_id).first()
    claimed = Timer.objects.filter(pk=timer_id, fired_at__isnull=True, cancelled_at__isnull=True).update(
        fired_at=timezone.now()
    )
    if claimed != 1:
        return False  # another tick fired it, or it was cancelled meanwhile
    timer = Timer.objects.get(pk=timer_id)
    outcome = "subject deleted" if subject is None else registered.handler(timer, subject)
    if outcome:
        Timer.objects.filter(pk=timer_id).update(outcome=outcome[:200])
    timer_fired.send(sender=Timer, timer=timer, subject=subject, outcome=outcome or "")
    return True


def _record_failure(timer_id: int, error: Exception) -> None:
    text = "".join(traceback.format_exception_only(type(error), error)).strip()
    Timer.objects.filter(pk=timer_id).update(failures=models.F("failures") + 1, last_error=text[:2000])


# Heartbeat


@dataclass(frozen=True)
class HeartbeatState:
    beat_at: datetime | None
    stale: bool
    interval: float


def heartbeat() -> HeartbeatState:
    """Stale when no tick ran for three intervals: escalations have silently stopped."""
    interval = float(settings.TIMER_TICK_SECONDS)
    row = TimerHeartbeat.objects.filter(name=HEARTBEAT).first()
    if row is None:
        return HeartbeatState(beat_at=None, stale=True, interval=interval)
    stale = timezone.now() - row.beat_at > timedelta(seconds=3 * interval)
    return HeartbeatState(beat_at=row.beat_at, stale=stale, interval=interval)
