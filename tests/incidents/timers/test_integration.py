"""The timer engine with real processes: `celery worker` and `celery beat` against the configured Redis
broker and PostgreSQL database (pytest-django's test database, committed rows), tick every second,
notifications received over HTTP through Apprise's json:// target."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection

from incidents import services
from incidents.models import Incident, SeverityPolicy, TimelineKind
from incidents.outbox.models import Notification, NotificationStatus
from incidents.outbox.services import notifications_about
from incidents.paging import clocks
from incidents.paging.models import EscalationPolicy, EscalationStep
from incidents.timers.models import Timer
from tests.conftest import closed_port, is_postgres, need_service
from tests.factories import UserFactory
from tests.receiver import Receiver, running_receiver

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]  # the project root, where manage.py is
REFERENCE = re.compile(r"INC-\d{4}-\d{2}-\d{2}-\d{3}")


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Stack:
    """Starts celery processes in their own process groups; kill_all() SIGKILLs every one of them."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.processes: list[subprocess.Popen] = []
        self.celery = str(Path(sys.executable).with_name("celery"))

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = (self.workdir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [self.celery, "-A", "config", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def worker(self, name: str, concurrency: int = 2) -> subprocess.Popen:
        return self._start(
            name,
            [
                "worker",
                "-n",
                f"{name}@%h",
                "-c",
                str(concurrency),
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
        )

    def beat(self) -> subprocess.Popen:
        return self._start("beat", ["beat", "-s", str(self.workdir / "beat-schedule"), "--loglevel=WARNING"])

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def kill_all(self) -> None:
        for process in self.processes:
            self.kill(process)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.workdir.glob("*.log")))


@pytest.fixture
def stack(tmp_path) -> Iterator[Stack]:
    redis_url = os.environ.get("REDIS_URL", "")
    need_service(bool(redis_url) and is_postgres(), "needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)")
    need_service(shutil.which("celery", path=str(Path(sys.executable).parent)) is not None, "celery not installed")
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # this suite's own Redis database: drop leftover messages
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "TIMER_TICK_SECONDS": "1",
        "NOTIFY_MAX_ATTEMPTS": "3",
        "NOTIFY_RETRY_BASE_SECONDS": "1",
        "NOTIFY_LEASE_SECONDS": "3",
        "CONN_MAX_AGE": "0",
        "LOG_LEVEL": "WARNING",
    }
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    running = Stack(tmp_path, env)
    try:
        yield running
    except BaseException:
        print(running.logs())
        raise
    finally:
        running.kill_all()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


def scaled_policy(level: str, steps: list[tuple[int, str, list[str]]]) -> SeverityPolicy:
    """Replace the severity's escalation policy with steps `seconds` apart, paging Apprise URLs."""
    severity = SeverityPolicy.objects.get(level=level)
    EscalationPolicy.objects.filter(severity=severity).delete()
    policy = EscalationPolicy.objects.create(severity=severity, name=f"{level} scaled to seconds")
    for seconds, tier, urls in steps:
        EscalationStep.objects.create(
            policy=policy, offset=timedelta(seconds=seconds), tier=tier, apprise_urls="\n".join(urls)
        )
    return severity


def references_by_path(receiver: Receiver) -> dict[str, Counter]:
    counts: dict[str, Counter] = {}
    for path in {p for p, _ in receiver.deliveries}:
        counts[path] = Counter(REFERENCE.search(body["title"]).group(0) for body in receiver.delivered(path))  # type: ignore[union-attr]
    return counts


def test_two_workers_deliver_each_step_exactly_once(stack, receiver):
    severity = scaled_policy(
        "P3",
        [(0, "First", [receiver.url("first")]), (2, "Second", [receiver.url("second-a"), receiver.url("second-b")])],
    )
    user = UserFactory.create(username="declarer")
    stack.worker("w1")
    stack.worker("w2")
    stack.beat()
    incidents = [services.incident_declare(title=f"Load {n}", severity=severity, by=user) for n in range(200)]
    expected = len(incidents) * 3
    wait_for(
        lambda: Notification.objects.filter(status=NotificationStatus.SENT).count() == expected,
        timeout=90,
        what=f"{expected} sent notifications",
    )
    time.sleep(2)  # a little longer: anything sent twice would show now
    assert Notification.objects.count() == expected
    counts = references_by_path(receiver)
    references = {incident.reference for incident in incidents}
    for path in ("first", "second-a", "second-b"):
        assert set(counts[path]) == references, path
        assert set(counts[path].values()) == {1}, f"{path}: delivered more than once"
    escalations = Counter(
        Incident.objects.filter(timeline__kind=TimelineKind.ESCALATION).values_list("reference", flat=True)
    )
    assert set(escalations.values()) == {2}
    assert Timer.objects.filter(kind=clocks.ESCALATION, fired_at__isnull=True).count() == 0


def test_worker_killed_mid_run_every_step_delivered_after_restart(stack, receiver):
    severity = scaled_policy("P3", [(0, "Only", [receiver.url("slow")])])
    receiver.delay["slow"] = 0.05
    user = UserFactory.create(username="declarer")
    worker = stack.worker("victim")
    stack.beat()
    incidents = [services.incident_declare(title=f"Kill {n}", severity=severity, by=user) for n in range(60)]
    wait_for(lambda: len(receiver.delivered("slow")) >= 15, timeout=60, what="the first deliveries")
    stack.kill(worker)  # SIGKILL to the whole worker (pool processes too), mid-run
    delivered_before_restart = len(receiver.delivered("slow"))
    assert delivered_before_restart < len(incidents), "the kill came too late to test anything"
    stack.worker("survivor")
    wait_for(
        lambda: Notification.objects.filter(status=NotificationStatus.SENT).count() == len(incidents),
        timeout=60,
        what="every notification sent after the restart",
    )
    counts = references_by_path(receiver)["slow"]
    assert set(counts) == {incident.reference for incident in incidents}  # every due step delivered
    assert Notification.objects.count() == len(incidents)  # one row per (step, target): no step fired twice
    assert Timer.objects.filter(kind=clocks.ESCALATION).exclude(fired_at=None).count() == len(incidents)
    # A delivery whose HTTP request was answered just before the SIGKILL, but not yet recorded, is sent
    # again after its lease (at-least-once): at most the worker's concurrency, each with a second attempt.
    repeated = [reference for reference, count in counts.items() if count > 1]
    assert len(repeated) <= 2, repeated
    for reference in repeated:
        incident = Incident.objects.get(reference=reference)
        assert notifications_about(incident).get().attempts >= 2


def test_failing_receivers_retry_fail_and_leave_other_targets_alone(stack, receiver):
    closed = closed_port()
    receiver.script["flaky"] = [500, 200]
    receiver.script["broken"] = [500]
    refused = f"json://127.0.0.1:{closed}/refused"
    severity = scaled_policy(
        "P3", [(0, "Everyone", [receiver.url("flaky"), receiver.url("broken"), receiver.url("ok"), refused])]
    )
    user = UserFactory.create(username="declarer")
    stack.worker("w1")
    stack.beat()
    incident = services.incident_declare(title="Flaky receivers", severity=severity, by=user)
    wait_for(
        lambda: (
            not notifications_about(incident)
            .filter(status__in=[NotificationStatus.PENDING, NotificationStatus.SENDING])
            .exists()
            and notifications_about(incident).count() == 4
        ),
        timeout=60,
        what="every notification settled",
    )
    rows = {row.target: row for row in notifications_about(incident)}
    assert (rows[receiver.url("ok")].status, rows[receiver.url("ok")].attempts) == ("sent", 1)
    assert (rows[receiver.url("flaky")].status, rows[receiver.url("flaky")].attempts) == ("sent", 2)
    broken = rows[receiver.url("broken")]
    assert (broken.status, broken.attempts) == ("failed", 3)  # NOTIFY_MAX_ATTEMPTS=3 in the workers
    assert "500" in broken.last_error
    assert rows[refused].status == "failed"
    assert rows[refused].last_error
    assert len(receiver.delivered("ok")) == 1
    assert len(receiver.delivered("flaky")) == 1
    assert receiver.hits["broken"] == 3
    logged = incident.timeline.filter(kind=TimelineKind.NOTIFICATION)
    assert logged.filter(data__status="sent").count() == 2
    assert logged.filter(data__status="failed").count() == 2
