"""The aggregate reads a scrape runs (besides the incident core's own selectors): a few queries, each
answered from an index or a small table."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Case, CharField, Count, Min, Q, QuerySet, Value, When

from incidents.outbox.channels import EMAIL_PREFIX, USER_PREFIX, WEBHOOK_PREFIX
from incidents.outbox.models import Notification, NotificationStatus
from incidents.timers.engine import MAX_HANDLER_FAILURES
from incidents.timers.models import Timer

# The outbox rows a scrape counts: not the sent ones, whose number only grows.
OUTBOX_STATES = (NotificationStatus.PENDING, NotificationStatus.SENDING, NotificationStatus.FAILED)
# `Notification.channel`'s values.
CHANNELS = ("email", "webhook", "apprise")


def due_timer_count(now: datetime) -> int:
    """Timers due and not yet fired: what the next tick has to do (through the pending-timer index)."""
    return Timer.objects.filter(
        fired_at__isnull=True, cancelled_at__isnull=True, due_at__lte=now, failures__lt=MAX_HANDLER_FAILURES
    ).count()


def stuck_timer_count() -> int:
    """Timers whose handler failed so often that the tick no longer retries them."""
    return Timer.objects.filter(
        fired_at__isnull=True, cancelled_at__isnull=True, failures__gte=MAX_HANDLER_FAILURES
    ).count()


def _with_channel(notifications: QuerySet[Notification]) -> QuerySet[Notification]:
    """The row's channel kind as `Notification.channel` computes it, in the database."""
    return notifications.annotate(
        channel_kind=Case(
            When(Q(target__startswith=USER_PREFIX) | Q(target__startswith=EMAIL_PREFIX), then=Value("email")),
            When(target__startswith=WEBHOOK_PREFIX, then=Value("webhook")),
            default=Value("apprise"),
            output_field=CharField(),
        )
    )


def outbox_counts() -> list[tuple[str, str, int]]:
    """(channel, status, count) of the notifications not (yet) sent."""
    rows = (
        _with_channel(Notification.objects.filter(status__in=OUTBOX_STATES))
        .values_list("channel_kind", "status")  # type: ignore[misc]
        .annotate(count=Count("pk"))
        .order_by()
    )
    return [(channel, status, count) for channel, status, count in rows]


def oldest_undelivered_at() -> datetime | None:
    """When the oldest notification still waiting for delivery (pending or sending) was written."""
    return Notification.objects.filter(status__in=(NotificationStatus.PENDING, NotificationStatus.SENDING)).aggregate(
        oldest=Min("created_at")
    )["oldest"]
