"""Thin Celery tasks: the beat's tick and notification delivery. The logic lives in timers and notify."""

from __future__ import annotations

from celery import shared_task

from incidents import notify, timers


@shared_task(name="incidents.tasks.tick", ignore_result=True)
def tick() -> dict[str, int]:
    result = timers.tick()
    return {"fired": result.fired, "errors": result.errors, "requeued": result.requeued}


@shared_task(name="incidents.tasks.deliver_notification", ignore_result=True)
def deliver_notification(notification_id: int) -> str:
    return notify.deliver(notification_id)
