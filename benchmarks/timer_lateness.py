"""How late does the tick run while the outbox is busy? Real Celery processes (tick every second) against
PostgreSQL and the broker: Redis when REDIS_URL is set, else the filesystem broker of `make run`.

While WRITERS threads add notes to incidents and queue a notification each to a slow webhook (a delivery takes
DELIVERY_SECONDS, so the delivery queue only grows), 300 timers fall due over 30 seconds. Two layouts,
measured one after the other in the same run:

  before   one queue for everything (benchmarks/one_queue_settings.py), one worker (2 processes): the
           tick waits behind every delivery queued before it
  shared   the tick on its own queue, one worker (2 processes) consuming both, as a plain `celery worker` does
  procfile the Procfile's layout: `worker` (2 processes, deliveries) and `clock` (1 process, the timers
           queue), so the tick never waits behind deliveries

For each it prints the ticks that ran against those beat sent, the share of time /readyz would have been
503 (no tick for three intervals), and the timers' lateness (fired_at - due_at) in ticks, p50 and p99;
the goal is p99 <= 2 ticks (a timer waits up to one tick by design).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/warroom [REDIS_URL=redis://127.0.0.1:6379/0] \\
        .venv/bin/python benchmarks/timer_lateness.py
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"  # this process's writes publish their deliveries for real
os.environ["TIMER_TICK_SECONDS"] = "1"

from _django import ROOT, make_open_incidents, setup_database

TICK_SECONDS = 1.0
TIMERS = 300
SPREAD_SECONDS = 30
WRITERS = 20
WRITER_PAUSE_SECONDS = 0.5
DELIVERY_SECONDS = 0.5
LAYOUTS = {
    "before": [["worker", "-n", "before@%h", "-c", "2", "-Q", "celery"]],
    "shared": [["worker", "-n", "shared@%h", "-c", "2", "-Q", "celery,timers"]],
    "procfile": [
        ["worker", "-n", "worker@%h", "-c", "2", "-Q", "celery"],
        ["worker", "-n", "clock@%h", "-c", "1", "-Q", "timers"],
    ],
}


def empty_broker() -> None:
    if os.environ.get("REDIS_URL"):
        import redis

        redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
        return
    from django.conf import settings

    for folder in ("queue", "processed", "control"):
        path = Path(settings.BROKER_DIR) / folder
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True, exist_ok=True)


def percentile(values: list[float], share: float) -> float:
    return values[int(share * (len(values) - 1))]


def measure(layout: str, env: dict[str, str], workdir: Path, webhook: str) -> str:
    if layout == "before":
        env = {
            **env,
            "DJANGO_SETTINGS_MODULE": "one_queue_settings",
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'benchmarks'}",
        }
    from django.db import connection, transaction
    from django.utils import timezone

    from incidents import services
    from incidents.models import Incident
    from incidents.outbox import services as outbox
    from incidents.outbox.models import Notification
    from incidents.paging import clocks
    from incidents.timers import engine as timers
    from incidents.timers.models import Timer, TimerHeartbeat

    empty_broker()
    Timer.objects.filter(step__startswith="bench-").delete()
    Notification.objects.all().delete()  # the previous layout's backlog
    TimerHeartbeat.objects.all().delete()
    celery = str(Path(sys.executable).with_name("celery"))
    processes: list[subprocess.Popen] = []
    stop = threading.Event()
    writes = [0]
    try:
        for args in [*LAYOUTS[layout], ["beat", "-s", str(workdir / f"schedule-{layout}")]]:
            log = (workdir / f"{layout}-{args[0]}-{len(processes)}.log").open("wb")
            extra = ["--without-gossip", "--without-mingle", "--without-heartbeat"] if args[0] == "worker" else []
            processes.append(
                subprocess.Popen(
                    [celery, "-A", "config", *args, *extra, "--loglevel=WARNING"],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        worked_on = make_open_incidents(WRITERS, prefix=f"W{layout[0].upper()}")

        def write(incident: Incident) -> None:
            from django.contrib.auth import get_user_model

            user = get_user_model().objects.get(username="bench")
            try:
                while not stop.is_set():
                    with transaction.atomic():  # a note and its notification: one write, published on commit
                        entry = services.incident_add_note(incident, by=user, text="Still on it.")
                        outbox.enqueue(target=webhook, subject="Note", body=entry.text, about=incident)
                    writes[0] += 1
                    stop.wait(WRITER_PAUSE_SECONDS)
            finally:
                connection.close()

        writers = [threading.Thread(target=write, args=(incident,)) for incident in worked_on]
        for thread in writers:
            thread.start()
        time.sleep(8)  # processes up, a backlog of deliveries building
        start = timezone.now() + timedelta(seconds=2)
        rng = random.Random(7)
        bench_incidents = make_open_incidents(TIMERS, prefix=layout[0].upper())
        for n, incident in enumerate(bench_incidents):
            due = start + timedelta(seconds=rng.uniform(0, SPREAD_SECONDS))
            timers.schedule(subject=incident, kind=clocks.ACKNOWLEDGE_DEADLINE, step=f"bench-{n}", due_at=due)
        bench = Timer.objects.filter(step__startswith="bench-")
        beats: set = set()
        samples = stale = 0
        window_start = time.monotonic()
        deadline = window_start + SPREAD_SECONDS + 30
        while time.monotonic() < deadline:
            row = TimerHeartbeat.objects.first()
            now = timezone.now()
            if row is not None:
                beats.add(row.beat_at)
            samples += 1
            stale += row is None or (now - row.beat_at).total_seconds() > 3 * TICK_SECONDS
            if now > start + timedelta(seconds=SPREAD_SECONDS + 3) and not bench.filter(fired_at=None).exists():
                break
            time.sleep(0.2)
        window = time.monotonic() - window_start
        stop.set()
        for thread in writers:
            thread.join()
        rows = list(bench.exclude(fired_at=None).values_list("due_at", "fired_at"))
        late = sorted((fired - due).total_seconds() / TICK_SECONDS for due, fired in rows if fired is not None)
        backlog = Notification.objects.filter(status="pending").count()
        ticks = f"ticks ran {len(beats)} of ~{int(window / TICK_SECONDS)}"
        unready = f"/readyz 503 {100 * stale / samples:.0f}% of the time"
        line = f"{layout:9} {ticks}; {unready}; {len(rows)}/{TIMERS} timers fired"
        if late:
            line += f", lateness p50 {statistics.median(late):.2f} ticks, p99 {percentile(late, 0.99):.2f} ticks"
        return line + f" ({writes[0]} writes, {backlog} deliveries still queued)"
    finally:
        stop.set()
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL (PostgreSQL); REDIS_URL too to measure with Redis as the broker.")
    name, drop = setup_database()
    workdir = Path(tempfile.mkdtemp(prefix="warroom-lateness-"))
    sys.path.insert(0, str(ROOT))
    from tests.receiver import running_receiver

    try:
        from django.contrib.auth import get_user_model
        from django.db import connection

        get_user_model().objects.create_user("bench", email="bench@example.com")
        db = connection.settings_dict
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}",
            "LOG_LEVEL": "WARNING",
        }
        broker = "Redis" if os.environ.get("REDIS_URL") else "the filesystem broker"
        with running_receiver() as receiver:
            receiver.delay["slow"] = DELIVERY_SECONDS
            print(
                f"tick every {TICK_SECONDS:g} s, {broker}, {WRITERS} writers (a note and a {DELIVERY_SECONDS} s "
                f"delivery every {WRITER_PAUSE_SECONDS} s each), {TIMERS} timers due over {SPREAD_SECONDS} s"
            )
            for layout in LAYOUTS:
                print(measure(layout, env, workdir, receiver.url("slow")), flush=True)
        print("goal: p99 <= 2 ticks; logs in", workdir)
    finally:
        from django.db import connections

        connections.close_all()
        drop()


if __name__ == "__main__":
    main()
