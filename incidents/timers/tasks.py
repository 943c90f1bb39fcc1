"""The beat's tick: a thin task over the engine."""

from __future__ import annotations

from celery import shared_task

from incidents.timers import engine


@shared_task(name="timers.tick", ignore_result=True)
def tick() -> dict[str, int]:
    result = engine.tick()
    return {"fired": result.fired, "errors": result.errors}
