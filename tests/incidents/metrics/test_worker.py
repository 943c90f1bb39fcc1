"""A real Celery worker (Redis, PostgreSQL) with METRICS_WORKER_ADDRESS and LOG_FORMAT=json: its pool's
deliveries are counted at its own /metrics, and its log lines name the task and the request id of the code
that queued it (carried in the message's headers)."""

from __future__ import annotations

import json
import os
import shutil
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app
from incidents import logcontext
from incidents.outbox import services as notify
from tests.conftest import closed_port, is_postgres, need_service
from tests.incidents.metrics.conftest import parse, value
from tests.incidents.timers.test_integration import Stack, wait_for
from tests.receiver import Receiver, running_receiver

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TOKEN = "worker-scrape-token"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
def worker_stack(tmp_path) -> Iterator[tuple[Stack, str]]:
    redis_url = os.environ.get("REDIS_URL", "")
    need_service(bool(redis_url) and is_postgres(), "needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)")
    need_service(shutil.which("celery", path=str(Path(sys.executable).parent)) is not None, "celery not installed")
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    db = connection.settings_dict
    metrics_dir = tmp_path / "worker-metrics"
    metrics_dir.mkdir()
    port = closed_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "NOTIFY_MAX_ATTEMPTS": "3",
        "NOTIFY_RETRY_BASE_SECONDS": "60",
        "CONN_MAX_AGE": "0",
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "METRICS_WORKER_ADDRESS": f"127.0.0.1:{port}",
        "METRICS_TOKEN": TOKEN,
    }
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    stack = Stack(tmp_path, env)
    app.conf.task_always_eager = False  # this process publishes for real
    try:
        yield stack, f"http://127.0.0.1:{port}/metrics"
    except BaseException:
        print(stack.logs())
        raise
    finally:
        app.conf.task_always_eager = True
        stack.kill_all()


def scrape(url: str, token: str = TOKEN) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return parse(response.read().decode())


def delivered_and_retried(url: str) -> tuple[float, float]:
    try:
        samples = scrape(url)
    except OSError:
        return (-1, -1)  # not listening yet
    return (
        value(samples, "warroom_outbox_delivered_total", channel="apprise"),
        value(samples, "warroom_outbox_retried_total", channel="apprise"),
    )


def test_a_worker_serves_its_pools_metrics_and_logs_json_with_the_request_id(worker_stack, receiver, severities):
    stack, url = worker_stack
    stack.worker("metrics-worker", concurrency=2)
    with logcontext.scope(request_id="req-from-web-1"):
        notify.enqueue(target=receiver.url("ok"), subject="s", body="b")
        notify.enqueue(target=f"json://127.0.0.1:{closed_port()}/down", subject="s", body="b")

    wait_for(lambda: delivered_and_retried(url) == (1, 1), 60, "the worker's /metrics to count the deliveries")

    with pytest.raises(urllib.error.HTTPError) as refused:
        scrape(url, token="wrong")
    assert refused.value.code == 403

    lines = [
        json.loads(line)
        for line in (stack.workdir / "metrics-worker.log").read_text().splitlines()
        if line.startswith("{")
    ]
    failed = [line for line in lines if line["logger"] == "incidents.outbox"]
    assert failed, lines
    assert (failed[0]["task"], failed[0]["request_id"], failed[0]["level"]) == (
        "outbox.deliver",
        "req-from-web-1",
        "WARNING",
    )
