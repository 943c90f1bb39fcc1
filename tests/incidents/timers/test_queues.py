"""The tick has its own Celery queue, so that it never waits behind deliveries; the Procfile runs a clock
worker for it (benchmarks/timer_lateness.py measures the lateness under load)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from config.celery import app

ROOT = Path(__file__).resolve().parents[3]


def queue_of(task: str) -> str:
    return app.amqp.router.route({}, task)["queue"].name


def test_the_tick_is_routed_to_the_timers_queue_and_deliveries_are_not():
    assert queue_of("timers.tick") == "timers"
    assert queue_of("outbox.deliver") == "celery"
    assert queue_of("outbox.requeue") == "celery"


def test_each_queue_has_its_own_routing_key():
    """Two queues bound with one key to the same exchange would each receive every message."""
    keys = {queue.name: queue.routing_key for queue in app.amqp.queues.values()}
    assert keys == {"celery": "celery", "timers": "timers"}


def test_a_worker_started_without_queues_consumes_both():
    """An installation that runs a plain `celery worker` and no clock worker still ticks."""
    assert set(app.amqp.queues) == {"celery", "timers"}


def procfile() -> dict[str, list[str]]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {name: shlex.split(command) for name, _, command in (line.partition(": ") for line in lines if line)}


def test_the_procfile_runs_a_clock_worker_for_the_timers_queue_alone():
    processes = procfile()
    clock = processes["clock"]
    assert clock[1:4] == ["-A", "config", "worker"]
    assert "--queues=timers" in clock
    assert "--concurrency=1" in clock
    assert "--queues=celery" in processes["worker"]
    assert sum("beat" in command for command in processes.values()) == 1
    assert all(re.fullmatch(r"[a-z]+", name) for name in processes)
