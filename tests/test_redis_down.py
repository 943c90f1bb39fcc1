"""Redis unreachable (the cache, the public rate limit and the Celery broker pointed at a closed port):
writes commit and answer 2xx, the status page serves 200 uncached, notifications wait in the outbox,
each failure is counted and warned about once, and /readyz says Redis is down. The integration test at
the end does the same with a real web server and a redis-server killed mid-run.

Transactional tests: the cache drop and the task publishing run on commit, inside the request, as in
production (a test wrapped in one transaction would run them after the response, or not at all)."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from incidents import faults
from incidents.outbox import services as outbox
from incidents.outbox.models import Notification, NotificationStatus
from incidents.statuspage import http as public_http
from postmortems import meetings
from postmortems.models import AttendeeRole, PostMortem
from tests.conftest import closed_port, is_postgres, need_service
from tests.factories import ComponentFactory, UserFactory, resolved_incident

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_cache_gone(settings) -> Iterator[int]:
    """The cache (and with it the rate limit and the status cache version) on a port nobody listens on."""
    port = closed_port()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "KEY_PREFIX": "warroom",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    settings.STATUS_CACHE_SECONDS = 10
    settings.PUBLIC_API_THROTTLE_RATE = "600/minute"
    faults.reset()
    public_http._local.clear()
    yield port
    faults.reset()
    public_http._local.clear()


@pytest.fixture
def broker_gone(redis_cache_gone) -> Iterator[None]:
    """Celery publishing for real (not eagerly) to the same closed port."""
    from kombu import pools

    from config.celery import app

    def reset_connections() -> None:
        app._pool = None  # type: ignore[attr-defined]
        app.amqp._producer_pool = None  # type: ignore[attr-defined]
        pools.reset()

    old_url = app.conf.broker_url
    reset_connections()
    app.conf.task_always_eager = False
    app.conf.broker_url = f"redis://127.0.0.1:{redis_cache_gone}/0"  # type: ignore[misc]
    try:
        yield
    finally:
        reset_connections()
        app.conf.broker_url = old_url  # type: ignore[misc]
        app.conf.task_always_eager = True


@pytest.fixture
def api(commander) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=commander).key}")
    return client


def test_declare_acknowledge_update_and_resolve_answer_2xx(api, commander, severities, redis_cache_gone):
    component = ComponentFactory.create(name="API")
    declared = api.post(
        "/api/incidents/",
        {"title": "Checkout down", "severity": "P2", "public": True, "components": [component.pk]},
        format="json",
    )
    assert declared.status_code == 201, declared.content
    path = f"/api/incidents/{declared.json()['reference']}/"
    assert api.post(path + "acknowledge/").status_code == 200
    assert api.patch(path, {"summary": "Payments time out."}, format="json").status_code == 200
    update = {
        "status": "identified",
        "body": "Found it.",
        "components": [{"component": component.pk, "status": "major_outage"}],
    }
    assert api.post(path + "status-updates/", update, format="json").status_code == 201
    assert (
        api.patch(f"/api/components/{component.pk}/", {"description": "Public API"}, format="json").status_code == 200
    )
    resolved = api.post(path + "resolve/", {"note": "Fixed."}, format="json")
    assert resolved.status_code == 200
    assert resolved.json()["status"] == "resolved"
    assert faults.counts()[faults.CACHE] >= 1


def test_status_page_serves_uncached_and_shows_a_write_at_once(client, commander, severities, redis_cache_gone):
    from incidents import services

    component = ComponentFactory.create(name="API")
    for path in ("/status/", "/status/api/v2/summary.json", "/status/api/v2/status.json", "/status/history.atom"):
        assert client.get(path).status_code == 200, path
    assert "Checkout down" not in client.get("/status/api/v2/summary.json").content.decode()
    services.incident_declare(
        title="Checkout down", severity=severities["P2"], by=commander, public=True, components=[component]
    )
    summary = client.get("/status/api/v2/summary.json")
    assert summary.status_code == 200
    assert "Checkout down" in summary.content.decode()  # this process dropped its own copies
    assert "Checkout down" in client.get("/status/").content.decode()


def test_failures_are_counted_and_warned_about_once_not_per_request(client, severities, redis_cache_gone, caplog):
    caplog.set_level(logging.WARNING, logger="warroom.faults")
    for _ in range(20):
        assert client.get("/status/api/v2/summary.json").status_code == 200
    warnings = [record for record in caplog.records if record.name == "warroom.faults"]
    assert len(warnings) == 1
    assert "cache unavailable" in warnings[0].getMessage()
    # Redis is left alone a few seconds after a failure: one attempt, not one per request.
    assert faults.counts() == {faults.CACHE: 1}


def test_the_rate_limit_lets_clients_through_while_redis_is_down(client, severities, redis_cache_gone, settings):
    settings.PUBLIC_API_THROTTLE_RATE = "2/minute"
    assert [client.get("/status/api/v2/status.json").status_code for _ in range(5)] == [200] * 5


def test_readyz_says_redis_is_down_and_counts_the_failures(client, severities, redis_cache_gone):
    from incidents.timers import engine

    engine.tick()  # a fresh heartbeat: only Redis is missing
    client.get("/status/api/v2/summary.json")
    ready = client.get("/readyz")
    assert ready.status_code == 200  # the host still serves, uncached
    body = ready.json()
    assert body["status"] == "degraded"
    assert body["redis"].startswith("unavailable")
    assert body["degraded_failures"] == {faults.CACHE: 1}


def test_a_broker_outage_leaves_notifications_queued_for_the_requeue(api, commander, severities, broker_gone):
    postmortem = resolved_incident(by=commander, level="P2").postmortem
    engineers = [UserFactory.create(username=f"eng{n}", email=f"eng{n}@example.com") for n in range(3)]
    meeting = meetings.review_meeting_schedule(
        postmortem=postmortem,
        starts_at=timezone.now() + timedelta(days=1),
        attendees=[(user, AttendeeRole.ENGINEER) for user in engineers],
        by=commander,
    )
    faults.reset()
    Notification.objects.all().delete()
    response = api.post(f"/api/review-meetings/{meeting.pk}/send-invite/")
    assert response.status_code == 202, response.content
    rows = list(Notification.objects.all())
    assert len(rows) == 3
    assert {row.status for row in rows} == {NotificationStatus.PENDING}
    # One publish tried and failed; the other two did not wait for the broker again.
    assert faults.counts()[faults.BROKER] == 1


def test_queued_notifications_go_out_once_the_broker_is_back(api, commander, severities, redis_cache_gone, settings):
    """The outbox's re-queue (a beat task) sends what the outage left behind, after the lease."""
    settings.NOTIFY_LEASE_SECONDS = 5
    incident = resolved_incident(by=commander, level="P3")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        faults.failed(faults.BROKER, ConnectionRefusedError("broker down"))  # as during the outage
        row = outbox.enqueue(target="ops@example.com", subject="s", body="b", about=incident)
    row.refresh_from_db()
    assert row.status == NotificationStatus.PENDING
    # The broker is back (eager in the unit tests); the re-queue tries it although this process saw it fail.
    with time_machine.travel(start + timedelta(seconds=6), tick=False):
        assert outbox.requeue_undelivered() == 1
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT


# With real processes: a gunicorn web server on its own redis-server, which is killed mid-run.

ROOT = Path(__file__).resolve().parents[1]  # the project root, where manage.py is


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if condition():
                return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def start(args: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


@pytest.mark.integration
def test_writes_answer_2xx_and_the_status_page_serves_after_redis_dies(tmp_path, commander, severities):
    """Its own redis-server on a free port (the shared one is left alone) as cache and broker of a real
    web server; the redis-server is SIGKILLed between two rounds of writes and status requests."""
    import redis
    import requests

    need_service(is_postgres(), "the web server shares the test database: needs PostgreSQL (DATABASE_URL)")
    redis_server = shutil.which("redis-server")
    need_service(redis_server is not None, "needs the redis-server program")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    need_service(gunicorn.exists(), "needs gunicorn in the virtualenv")
    assert redis_server is not None
    redis_port, web_port = closed_port(), closed_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",  # publish to the broker for real
        "STATUS_CACHE_SECONDS": "10",
        "PUBLIC_API_THROTTLE_RATE": "600/minute",
        "CONN_MAX_AGE": "0",
        "LOG_LEVEL": "WARNING",
    }
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    server = start(
        [redis_server, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        tmp_path / "redis.log",
    )
    web = None
    try:
        wait_until(lambda: redis.Redis.from_url(redis_url).ping(), "redis-server")
        web = start(
            [str(gunicorn), "config.wsgi", "-b", f"127.0.0.1:{web_port}", "-w", "1", "--threads", "4", "-t", "60"],
            tmp_path / "web.log",
            env,
        )
        base = f"http://127.0.0.1:{web_port}"
        wait_until(lambda: requests.get(f"{base}/healthz", timeout=2).ok, "gunicorn")
        session = requests.Session()
        session.headers["Authorization"] = f"Token {Token.objects.create(user=commander).key}"
        component = ComponentFactory.create(name="Checkout")
        engineer = UserFactory.create(username="eng", email="eng@example.com")

        # Redis up: the status page is cached in it.
        declared = session.post(
            f"{base}/api/incidents/",
            json={"title": "Checkout down", "severity": "P2", "public": True, "components": [component.pk]},
            timeout=30,
        )
        assert declared.status_code == 201, declared.text
        incident = f"{base}/api/incidents/{declared.json()['reference']}/"
        summary = requests.get(f"{base}/status/api/v2/summary.json", timeout=30)
        assert summary.status_code == 200
        assert [row["name"] for row in summary.json()["incidents"]] == ["Checkout down"]
        assert redis.Redis.from_url(redis_url).dbsize() > 0

        stop(server)  # Redis dies mid-run

        answers = {
            "acknowledge": session.post(f"{incident}acknowledge/", timeout=30).status_code,
            "update": session.post(
                f"{incident}status-updates/",
                json={
                    "status": "identified",
                    "body": "Found it.",
                    "components": [{"component": component.pk, "status": "major_outage"}],
                },
                timeout=30,
            ).status_code,
            "patch": session.patch(incident, json={"summary": "Payments time out."}, timeout=30).status_code,
            "resolve": session.post(f"{incident}resolve/", json={"note": "Fixed."}, timeout=30).status_code,
        }
        assert answers == {"acknowledge": 200, "update": 201, "patch": 200, "resolve": 200}, answers
        postmortem = PostMortem.objects.get(incident__title="Checkout down")
        meeting = session.post(
            f"{base}/api/review-meetings/",
            json={
                "postmortem": postmortem.pk,
                "starts_at": (timezone.now() + timedelta(days=1)).isoformat(),
                "attendees": [{"user": engineer.pk, "role": "engineer"}],
            },
            timeout=30,
        )
        assert meeting.status_code == 201, meeting.text
        invite = session.post(f"{base}/api/review-meetings/{meeting.json()['id']}/send-invite/", timeout=30)
        assert invite.status_code == 202, invite.text
        assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.PENDING}

        for path in ("/status/", "/status/api/v2/summary.json", "/status/api/v2/status.json", "/status/history.atom"):
            assert requests.get(f"{base}{path}", timeout=30).status_code == 200, path
        # Served fresh by the process that wrote: the resolved incident has left the unresolved list.
        assert requests.get(f"{base}/status/api/v2/summary.json", timeout=30).json()["incidents"] == []
        ready = requests.get(f"{base}/readyz", timeout=30).json()
        assert ready["redis"].startswith("unavailable")
        assert ready["degraded_failures"].get(faults.CACHE, 0) >= 1
        assert ready["degraded_failures"].get(faults.BROKER, 0) >= 1
    except BaseException:
        print("\n".join(f"--- {log.name}\n{log.read_text()[-4000:]}" for log in sorted(tmp_path.glob("*.log"))))
        raise
    finally:
        if web is not None:
            stop(web)
        stop(server)
