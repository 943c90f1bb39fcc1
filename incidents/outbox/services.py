"""The notification outbox: `Notification` rows, sent by Celery tasks.

    enqueue(target=user_or_address_or_apprise_url, subject="…", body="…", about=incident, dedupe_key="timer:42")

writes the row (unique per dedupe key and target, so firing twice cannot notify twice) and queues its
delivery when the transaction commits. Users and email addresses are emailed through Django's email
backend (with attachments, e.g. calendar invites); any other target is an Apprise URL (slack://,
msteams://, discord://, pagerduty://, opsgenie://, json:// webhooks, ...). A delivery claims its row with
a conditional UPDATE, sends, and records the outcome; failures are retried with exponential back-off,
and after the last attempt the row is `failed` with the error. `requeue_undelivered()` (a beat task)
re-queues rows whose task was lost (broker down) or whose worker died mid-send, once their lease has
expired. Each outcome is announced by `signals.notification_finished`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as KombuOperationalError

from incidents import faults
from incidents.outbox.channels import (
    EMAIL_PREFIX,
    USER_PREFIX,
    WEBHOOK_PREFIX,
    DeliveryError,
    scrub_secrets,
    send_apprise,
    send_email,
    send_webhook,
    target_key,
)
from incidents.outbox.models import Notification, NotificationStatus
from incidents.outbox.signals import notification_finished, notification_queued, notification_retried

logger = logging.getLogger("incidents.outbox")

REQUEUE_BATCH = 500


def max_attempts() -> int:
    return int(getattr(settings, "NOTIFY_MAX_ATTEMPTS", 5))


def lease() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "NOTIFY_LEASE_SECONDS", 60)))


def backoff(attempts: int) -> timedelta:
    """Wait before attempt n+1: base, 2 x base, 4 x base, ... capped at an hour."""
    base = float(getattr(settings, "NOTIFY_RETRY_BASE_SECONDS", 30))
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


def enqueue(
    *,
    target: User | str,
    subject: str,
    body: str,
    about: models.Model | None = None,
    dedupe_key: str = "",
    attachments: Iterable[dict[str, str]] = (),
    headers: dict[str, str] | None = None,
) -> Notification:
    """Write the outbox row and queue its delivery on commit. Idempotent per (dedupe_key, target).

    `target`: a user, an email address or an Apprise URL. `about`: the row the message concerns (shown
    with it, and told of the outcome). `attachments`: email only, `{"filename", "content", "mimetype"}`.
    `headers`: extra email headers (e.g. List-Unsubscribe), or a webhook's request headers.
    """
    key = target_key(target)
    user = None if isinstance(target, str) else target
    now = timezone.now()
    if dedupe_key:
        existing = Notification.objects.filter(dedupe_key=dedupe_key, target=key).first()
        if existing is not None:
            return existing
    files = [dict(item) for item in attachments]
    if files and not key.startswith((USER_PREFIX, EMAIL_PREFIX)):
        raise ValidationError(_("Attachments can only be sent by email."))
    fields: dict[str, Any] = {
        "dedupe_key": dedupe_key,
        "target": key,
        "user": user,
        "subject": " ".join(subject.split())[:300],
        "body": body,
        "attachments": files,
        "headers": dict(headers or {}),
        "next_attempt_at": now,
        "queued_at": now,
        "created_at": now,
    }
    if about is not None:
        fields["about_type"] = ContentType.objects.get_for_model(about, for_concrete_model=False)
        fields["about_id"] = about.pk
    if user is not None and not getattr(user, "email", ""):
        with translation.override(settings.LANGUAGE_CODE):  # stored, shown to everyone: the site's language
            error = _("%(user)s has no email address.") % {"user": user}
        fields.update(status=NotificationStatus.FAILED, last_error=error, queued_at=None)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(**fields)
    except IntegrityError:
        return Notification.objects.get(dedupe_key=dedupe_key, target=key)
    if notification.status == NotificationStatus.FAILED:
        _announce(notification)
    else:
        notification_queued.send(sender=Notification, notification=notification)
        queue_delivery(notification.pk)
    return notification


def notifications_about(about: models.Model) -> QuerySet[Notification]:
    content_type = ContentType.objects.get_for_model(about, for_concrete_model=False)
    return Notification.objects.filter(about_type=content_type, about_id=about.pk)


def queue_delivery(notification_id: int) -> None:
    """Send the delivery task once the transaction commits. A broker outage only delays it: the row stays
    pending and the beat's re-queue task sends it again after the lease; the write that queued it has
    committed and answers as usual."""
    transaction.on_commit(lambda: _publish_delivery(notification_id), robust=True)


def _publish_delivery(notification_id: int, *, even_after_a_failure: bool = False) -> None:
    from incidents.outbox.tasks import deliver_notification

    if not (even_after_a_failure or faults.available(faults.BROKER)):  # failed a moment ago: do not wait on it
        return
    try:
        deliver_notification.delay(notification_id)
    except (KombuOperationalError, OSError) as error:  # broker unreachable, after Celery's own retries
        faults.failed(faults.BROKER, error)


def requeue_undelivered() -> int:
    """Run by beat every tick interval: queue rows due for (another) attempt whose task is not in flight."""
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
            # The re-queue itself came through the broker: try it even if this process saw it fail lately.
            transaction.on_commit(partial(_publish_delivery, notification_id, even_after_a_failure=True), robust=True)
    return len(ids)


def deliver(notification_id: int) -> str:
    """Claim, send, record. Returns the resulting status (or "skipped" when not ours to send)."""
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, status=NotificationStatus.PENDING, next_attempt_at__lte=now
    ).update(status=NotificationStatus.SENDING, lease_until=now + lease(), attempts=F("attempts") + 1)
    if claimed != 1:
        return "skipped"
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    try:
        _send(notification)
    except Exception as error:  # every failure of a target is recorded, never raised to the worker
        return _record_failure(notification, error)
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk).update(
            status=NotificationStatus.SENT, sent_at=timezone.now(), lease_until=None, last_error=""
        )
        notification.status = NotificationStatus.SENT
        _announce(notification)
    return NotificationStatus.SENT


def _send(notification: Notification) -> None:
    if notification.target.startswith(USER_PREFIX):
        user = notification.user
        if user is None or not user.email:
            raise DeliveryError(_("The user no longer exists or has no email address."))
        send_email(user.email, notification.subject, notification.body, notification.attachments, notification.headers)
    elif notification.target.startswith(EMAIL_PREFIX):
        address = notification.target.removeprefix(EMAIL_PREFIX)
        send_email(address, notification.subject, notification.body, notification.attachments, notification.headers)
    elif notification.target.startswith(WEBHOOK_PREFIX):
        send_webhook(notification.target.removeprefix(WEBHOOK_PREFIX), notification.body, notification.headers)
    else:
        send_apprise(notification.target, notification.subject, notification.body)


def _record_failure(notification: Notification, error: Exception) -> str:
    # The error is shown to every reader of the outbox and the timeline: never the URL's tokens.
    text = scrub_secrets(str(error) or type(error).__name__, notification.target)
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
            _announce(notification)
            return NotificationStatus.FAILED
        # Not queued again here: the tick picks the row up once the back-off has passed.
        Notification.objects.filter(pk=notification.pk).update(
            status=NotificationStatus.PENDING,
            last_error=text[:4000],
            lease_until=None,
            queued_at=None,
            next_attempt_at=timezone.now() + backoff(attempts),
        )
        notification_retried.send(sender=Notification, notification=notification, attempts=attempts)
    logger.warning("notification %s attempt %s failed: %s", notification.pk, attempts, text)
    return NotificationStatus.PENDING


def _announce(notification: Notification) -> None:
    """Tell subscribers (e.g. the incident timeline) inside the transaction that records the outcome."""
    notification_finished.send(sender=Notification, notification=notification)


@transaction.atomic
def retry(notifications: Iterable[Notification]) -> int:
    """Send failed (or stuck) notifications again, with a fresh set of attempts."""
    ids = [n.pk for n in notifications if n.status in (NotificationStatus.FAILED, NotificationStatus.PENDING)]
    if not ids:
        raise ValidationError(_("Only failed or pending notifications can be retried."))
    now = timezone.now()
    Notification.objects.filter(pk__in=ids).update(
        status=NotificationStatus.PENDING, attempts=0, next_attempt_at=now, queued_at=now, lease_until=None
    )
    for notification_id in ids:
        queue_delivery(notification_id)
    return len(ids)
