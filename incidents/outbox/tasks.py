"""Thin Celery tasks of the outbox: deliver one row; re-queue what a lost message or a dead worker left."""

from __future__ import annotations

from celery import shared_task

from incidents.outbox import services


@shared_task(name="outbox.deliver", ignore_result=True)
def deliver_notification(notification_id: int) -> str:
    return services.deliver(notification_id)


@shared_task(name="outbox.requeue", ignore_result=True)
def requeue_undelivered() -> int:
    return services.requeue_undelivered()
