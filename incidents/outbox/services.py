"""Delivery of notifications: an outbox of `Notification` rows, sent by Celery tasks.

    notify.enqueue(timer=timer, target=user_or_apprise_url, subject="…", body="…", incident=incident)

writes the row (unique per timer and target, so firing twice cannot notify twice) and queues its
delivery when the transaction commits. A user is emailed through Django's email backend; any other
target is an Apprise URL (slack://, msteams://, discord://, pagerduty://, opsgenie://, mailto://,
json:// webhooks, ...). A delivery claims its row with a conditional UPDATE, sends, and records the
outcome; failures are retried with exponential back-off by the tick, and after the last attempt the
row is `failed` with the error. The tick also re-queues rows whose task was lost (broker down) or
whose worker died mid-send, once their lease has expired. Sent and failed deliveries are logged on
the incident's timeline.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from incidents.models import Incident, TimelineKind
from incidents.timer_models import Notification, NotificationStatus, Timer, validate_apprise_url

logger = logging.getLogger("incidents.notify")

REQUEUE_BATCH = 500


def max_attempts() -> int:
    return int(getattr(settings, "NOTIFY_MAX_ATTEMPTS", 5))


def lease() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "NOTIFY_LEASE_SECONDS", 60)))


def backoff(attempts: int) -> timedelta:
    """Wait before attempt n+1: base, 2 x base, 4 x base, ... capped at an hour."""
    base = float(getattr(settings, "NOTIFY_RETRY_BASE_SECONDS", 30))
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


def target_key(target: Any) -> str:
    """`user:<id>` for a user, otherwise the Apprise URL itself (validated)."""
    if isinstance(target, str):
        url = target.strip()
        validate_apprise_url(url)
        return url
    if getattr(target, "pk", None) is None:
        raise ValidationError(f"Cannot notify {target!r}: give a user or an Apprise URL.")
    return f"user:{target.pk}"


def enqueue(
    *,
    timer: Timer | None,
    target: Any,
    subject: str,
    body: str,
    incident: Incident | None = None,
) -> Notification:
    """Write the outbox row and queue its delivery on commit. Idempotent per (timer, target)."""
    key = target_key(target)
    user = None if isinstance(target, str) else target
    now = timezone.now()
    if timer is not None:
        existing = Notification.objects.filter(timer=timer, target=key).first()
        if existing is not None:
            return existing
    fields = {
        "timer": timer,
        "incident": incident,
        "target": key,
        "user": user,
        "subject": subject[:300],
        "body": body,
        "next_attempt_at": now,
        "queued_at": now,
        "created_at": now,
    }
    if user is not None and not getattr(user, "email", ""):
        fields.update(status=NotificationStatus.FAILED, last_error=f"{user} has no email address.", queued_at=None)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(**fields)
    except IntegrityError:
        return Notification.objects.get(timer=timer, target=key)
    if notification.status == NotificationStatus.FAILED:
        _log_outcome(notification)
    else:
        queue_delivery(notification.pk)
    return notification


def queue_delivery(notification_id: int) -> None:
    """Send the delivery task once the transaction commits. A broker outage only delays it: the row
    stays pending and the tick re-queues it after the lease (robust=True keeps the caller's request
    from failing)."""
    from incidents.tasks import deliver_notification

    transaction.on_commit(lambda: deliver_notification.delay(notification_id), robust=True)


def requeue_undelivered() -> int:
    """Called by every tick: queue rows due for (another) attempt whose task is not in flight."""
    now = timezone.now()
    expired = now - lease()
    due_again = Q(status=NotificationStatus.PENDING, next_attempt_at__lte=now) & (
        Q(queued_at__isnull=True) | Q(queued_at__lt=expired)
    )
    died_sending = Q(status=NotificationStatus.SENDING, lease_until__lt=now)
    ids = list(Notification.objects.filter(due_again | died_sending).values_list("pk", flat=True)[:REQUEUE_BATCH])
    if not ids:
        return 0
    with transaction.atomic():
        Notification.objects.filter(pk__in=ids).filter(due_again | died_sending).update(
            status=NotificationStatus.PENDING, queued_at=now, lease_until=None
        )
        for notification_id in ids:
            queue_delivery(notification_id)
    return len(ids)


def deliver(notification_id: int) -> str:
    """Claim, send, record. Returns the resulting status (or "skipped" when not ours to send)."""
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, status=NotificationStatus.PENDING, next_attempt_at__lte=now
    ).update(status=NotificationStatus.SENDING, lease_until=now + lease(), attempts=F("attempts") + 1)
    if claimed != 1:
        return "skipped"
    notification = Notification.objects.select_related("user", "incident").get(pk=notification_id)
    try:
        _send(notification)
    except Exception as error:  # every failure of a target is recorded, never raised to the worker
        return _record_failure(notification, error)
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk).update(
            status=NotificationStatus.SENT, sent_at=timezone.now(), lease_until=None, last_error=""
        )
        notification.status = NotificationStatus.SENT
        _log_outcome(notification)
    return NotificationStatus.SENT


class DeliveryError(Exception):
    pass


def _send(notification: Notification) -> None:
    if notification.target.startswith("user:"):
        user = notification.user
        if user is None or not user.email:
            raise DeliveryError("The user no longer exists or has no email address.")
        send_mail(notification.subject, notification.body, settings.DEFAULT_FROM_EMAIL, [user.email])
        return
    import apprise

    sender = apprise.Apprise()
    if not sender.add(notification.target):
        raise DeliveryError("Apprise does not understand this URL.")
    with apprise.LogCapture(level=logging.WARNING) as captured:
        ok = sender.notify(title=notification.subject, body=notification.body)
    if not ok:
        text = captured.getvalue().strip() if hasattr(captured, "getvalue") else ""
        raise DeliveryError(_last_lines(text) or "Apprise reported a failed delivery.")


def _last_lines(text: str, count: int = 3) -> str:
    lines = [line.split(" - ", 2)[-1] for line in text.splitlines() if line.strip()]
    return " ".join(lines[-count:])


def _record_failure(notification: Notification, error: Exception) -> str:
    text = str(error) or type(error).__name__
    attempts = Notification.objects.filter(pk=notification.pk).values_list("attempts", flat=True).get()
    final = attempts >= max_attempts()
    with transaction.atomic():
        if final:
            Notification.objects.filter(pk=notification.pk).update(
                status=NotificationStatus.FAILED, last_error=text[:4000], lease_until=None
            )
            notification.status = NotificationStatus.FAILED
            notification.attempts = attempts
            notification.last_error = text
            _log_outcome(notification)
            return NotificationStatus.FAILED
        # Not queued again here: the tick picks the row up once the back-off has passed.
        Notification.objects.filter(pk=notification.pk).update(
            status=NotificationStatus.PENDING,
            last_error=text[:4000],
            lease_until=None,
            queued_at=None,
            next_attempt_at=timezone.now() + backoff(attempts),
        )
    logger.warning("notification %s attempt %s failed: %s", notification.pk, attempts, text)
    return NotificationStatus.PENDING


def _log_outcome(notification: Notification) -> None:
    if notification.incident_id is None:
        return
    from incidents.services import timeline_append

    if notification.status == NotificationStatus.SENT:
        text = f"Notified {notification.target_display} ({notification.channel}): {notification.subject}"
    else:
        text = (
            f"Notification to {notification.target_display} failed after {notification.attempts} attempt(s): "
            f"{notification.last_error}"
        )
    incident = notification.incident or Incident.objects.get(pk=notification.incident_id)
    timeline_append(
        incident,
        kind=TimelineKind.NOTIFICATION,
        text=text,
        data={"notification": notification.pk, "status": notification.status, "channel": notification.channel},
    )


@transaction.atomic
def retry(notifications: Iterable[Notification]) -> int:
    """Send failed (or stuck) notifications again, with a fresh set of attempts."""
    ids = [n.pk for n in notifications if n.status in (NotificationStatus.FAILED, NotificationStatus.PENDING)]
    if not ids:
        raise ValidationError("Only failed or pending notifications can be retried.")
    now = timezone.now()
    Notification.objects.filter(pk__in=ids).update(
        status=NotificationStatus.PENDING, attempts=0, next_attempt_at=now, queued_at=now, lease_until=None
    )
    for notification_id in ids:
        queue_delivery(notification_id)
    return len(ids)


def users_of(groups: Iterable[Any]) -> list[Any]:
    User = get_user_model()
    return list(User.objects.filter(groups__in=list(groups), is_active=True).distinct().order_by("username"))
