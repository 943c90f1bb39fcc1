"""Under gunicorn with several workers and PROMETHEUS_MULTIPROC_DIR, /metrics counts every worker's requests,
whichever worker answers the scrape, and a worker that dies and is replaced loses nothing."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import is_postgres, need_service
from tests.incidents.metrics.conftest import parse, value

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
TOKEN = "gunicorn-scrape-token"
HEALTHZ = {"view": "healthz", "method": "GET", "status": "200"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, token: str = "") -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=10) as response:  # a new connection each time
        return response.status, response.read().decode()


@pytest.fixture
def gunicorn(tmp_path) -> Iterator[tuple[str, Path]]:
    need_service(is_postgres(), "needs PostgreSQL (DATABASE_URL): gunicorn's workers share the test database")
    db = connection.settings_dict
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "METRICS_TOKEN": TOKEN,
        "PYTHONPATH": str(ROOT),
    }
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "config.wsgi",
        "-c",
        "config/gunicorn.py",
        "-w",
        "3",
        "-b",
        f"127.0.0.1:{port}",
    ]
    log = (tmp_path / "gunicorn.log").open("ab")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(f"{base}/readyz")  # answers 503 (no tick yet), which is enough: the server is up
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError((tmp_path / "gunicorn.log").read_text()[-3000:]) from None
                time.sleep(0.3)
        yield base, metrics_dir
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def worker_pids(metrics_dir: Path) -> set[int]:
    return {int(path.stem.rsplit("_", 1)[1]) for path in metrics_dir.glob("counter_*.db")}


def test_every_workers_requests_are_counted_and_survive_a_worker_restart(gunicorn, severities):
    base, metrics_dir = gunicorn
    sent = 60
    for _ in range(sent):
        assert get(f"{base}/healthz")[0] == 200
    busy = worker_pids(metrics_dir)
    assert len(busy) >= 2, "the requests should have been spread over several workers"

    scrapes = [parse(get(f"{base}/metrics", TOKEN)[1]) for _ in range(6)]
    assert {value(samples, "warroom_http_requests_total", **HEALTHZ) for samples in scrapes} == {sent}
    assert all(
        value(samples, "warroom_incidents_open", severity="P1", status="investigating") == 0 for samples in scrapes
    )

    # A worker dies and gunicorn replaces it (child_exit runs): its requests still count.
    victim = sorted(busy)[0]
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while True:
        try:
            status, text = get(f"{base}/metrics", TOKEN)
            break
        except OSError:
            assert time.monotonic() < deadline
            time.sleep(0.3)
    assert status == 200
    assert value(parse(text), "warroom_http_requests_total", **HEALTHZ) == sent
