"""Alertmanager itself (Debian's prometheus-alertmanager) posting to a live Warroom: an alert posted to
Alertmanager's API declares an incident and pages the on-call tier through a real worker and beat;
the alert resolved moves the incident to monitoring."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from incidents.alerts import services
from incidents.alerts.admin import receiver_snippet
from incidents.alerts.models import Payload
from incidents.models import Incident, IncidentStatus
from incidents.outbox.models import Notification, NotificationStatus
from tests.conftest import closed_port
from tests.incidents.timers.test_integration import receiver, scaled_policy, stack, wait_for  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")


@contextlib.contextmanager
def running_alertmanager(workdir: Path, webhook_url: str, key: str) -> Iterator[str]:
    port = closed_port()  # a free port on 127.0.0.1
    config = workdir / "alertmanager.yml"
    config.write_text(
        "route:\n"
        "  receiver: warroom\n"
        "  group_by: [alertname]\n"
        "  group_wait: 1s\n"
        "  group_interval: 1s\n"
        "  repeat_interval: 1h\n" + receiver_snippet(webhook_url, key)  # the snippet the admin shows, as pasted
    )
    log = (workdir / "alertmanager.log").open("ab")
    process = subprocess.Popen(
        [
            str(ALERTMANAGER),
            f"--config.file={config}",
            f"--storage.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            "--log.level=warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _ready(base), timeout=15, what="Alertmanager to listen")
        yield base
    except BaseException:
        print((workdir / "alertmanager.log").read_text()[-3000:])
        raise
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _ready(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/-/ready", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def post_alert(base: str, *, starts_at: datetime, ends_at: datetime | None = None) -> None:
    alert = {
        "labels": {"alertname": "CheckoutDown", "service": "checkout"},
        "annotations": {"summary": "Checkout answers 503"},
        "startsAt": starts_at.isoformat(),
        "generatorURL": "http://prometheus.example.org/graph?g0.expr=up%3D%3D0",
    }
    if ends_at is not None:
        alert["endsAt"] = ends_at.isoformat()
    request = urllib.request.Request(
        f"{base}/api/v2/alerts",
        data=json.dumps([alert]).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200


@pytest.mark.skipif(ALERTMANAGER is None, reason="prometheus-alertmanager is not installed")
def test_alertmanager_declares_pages_and_resolves(stack, receiver, live_server, tmp_path):  # noqa: F811
    severity = scaled_policy("P3", [(0, "On-call Engineer", [receiver.url("oncall")])])
    _integration, key = services.integration_create(name="Alertmanager", kind="alertmanager", default_severity=severity)
    stack.worker("w1")
    stack.beat()
    webhook = f"{live_server.url}/api/integrations/alertmanager/"
    started = datetime.now(UTC) - timedelta(minutes=2)
    with running_alertmanager(tmp_path, webhook, key) as alertmanager:
        post_alert(alertmanager, starts_at=started)
        wait_for(lambda: Incident.objects.exists(), timeout=20, what="the incident declared")
        incident = Incident.objects.get()
        assert incident.title == "Checkout answers 503"
        assert abs((incident.started_at - started).total_seconds()) < 1  # the clock starts at startsAt
        wait_for(
            lambda: Notification.objects.filter(status=NotificationStatus.SENT).exists(),
            timeout=20,
            what="the on-call engineer paged",
        )
        assert "Checkout answers 503" in json.dumps(receiver.delivered("oncall"))

        post_alert(alertmanager, starts_at=started, ends_at=datetime.now(UTC) - timedelta(seconds=5))
        wait_for(
            lambda: Incident.objects.get().status == IncidentStatus.MONITORING,
            timeout=20,
            what="the incident moved to monitoring",
        )
    assert Incident.objects.count() == 1
    assert set(Payload.objects.values_list("outcome", flat=True)) <= {"declared", "resolved", "ignored", "attached"}
