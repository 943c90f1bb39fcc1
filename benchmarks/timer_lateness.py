"""How late do timers fire? Real `celery worker` + `celery beat` (tick every second) against PostgreSQL
and Redis; p50/p99 of fired_at - due_at over 300 timers due over the next 30 seconds.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/warroom REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python benchmarks/timer_lateness.py
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _django import ROOT, make_open_incidents, setup_database

TIMERS = 300
SPREAD_SECONDS = 30


def main() -> None:
    if not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL.")
    name, drop = setup_database()
    processes: list[subprocess.Popen] = []
    workdir = Path(tempfile.mkdtemp(prefix="warroom-lateness-"))
    try:
        import redis
        from django.db import connection
        from django.utils import timezone

        from incidents.paging import clocks
        from incidents.timers import engine as timers
        from incidents.timers.models import Timer

        redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
        db = connection.settings_dict
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}",
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "TIMER_TICK_SECONDS": "1",
            "LOG_LEVEL": "WARNING",
        }
        celery = str(Path(sys.executable).with_name("celery"))
        for args in (
            ["worker", "-c", "2", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            ["beat", "-s", str(workdir / "schedule")],
        ):
            log = (workdir / f"{args[0]}.log").open("wb")
            processes.append(
                subprocess.Popen(
                    [celery, "-A", "config", *args, "--loglevel=WARNING"],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        incidents = make_open_incidents(TIMERS)
        time.sleep(5)  # let the worker and beat start before the first timer is due
        start = timezone.now() + timedelta(seconds=2)
        rng = random.Random(7)
        for n, incident in enumerate(incidents):
            due = start + timedelta(seconds=rng.uniform(0, SPREAD_SECONDS))
            timers.schedule(subject=incident, kind=clocks.ACKNOWLEDGE_DEADLINE, step=f"bench-{n}", due_at=due)
        bench = Timer.objects.filter(step__startswith="bench-")
        deadline = time.monotonic() + SPREAD_SECONDS + 60
        while bench.filter(fired_at__isnull=True).exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        rows = list(bench.exclude(fired_at=None).values_list("due_at", "fired_at"))
        if len(rows) < TIMERS:
            sys.exit(f"only {len(rows)} of {TIMERS} timers fired; see {workdir}")
        lateness = sorted((fired - due).total_seconds() for due, fired in rows if fired is not None)
        p50 = statistics.median(lateness)
        p99 = lateness[int(0.99 * (len(lateness) - 1))]
        print(f"{len(rows)} timers due over {SPREAD_SECONDS} s, tick every 1 s, 1 worker (2 processes) + beat")
        print(f"lateness min {lateness[0]:.3f} s, max {lateness[-1]:.3f} s")
        print(f"fired_at - due_at: p50 {p50:.3f} s, p99 {p99:.3f} s (goal p99 <= 2 s)")
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        from django.db import connections

        connections.close_all()
        drop()


if __name__ == "__main__":
    main()
