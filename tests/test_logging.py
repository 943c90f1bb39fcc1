"""Request ids (X-Request-ID accepted or made, echoed) and LOG_FORMAT=json: one JSON object per line with the
level, logger, message, request id, user, incident and Celery task."""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

from incidents import logcontext, services
from incidents.outbox import services as notify
from tests.conftest import closed_port
from tests.factories import IncidentFactory

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def fresh_context() -> Iterator[None]:
    """Services called by a test outside any request bind their incident to the test's own context."""
    logcontext.clear()
    yield
    logcontext.clear()


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The root logger also writes to a buffer through the JSON formatter and the context filter of LOGGING."""
    logging_config: dict[str, Any] = settings.LOGGING
    spec = dict(logging_config["formatters"]["json"])
    formatter = import_string(spec.pop("()"))(**spec)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(logcontext.ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def records(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]  # each line alone is one JSON object


# X-Request-ID


@pytest.mark.django_db
def test_a_valid_request_id_is_kept_and_echoed(client):
    for given in ("abc-123", "3f2a9c1e-77d0-4b8e-9a51-2b6d0c1e8f00", "trace.id:42_x"):
        assert client.get("/healthz", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given


@pytest.mark.django_db
@pytest.mark.parametrize("given", ["", " ", "a b", "x" * 101, "<script>", "id\r\nX-Injected: 1", "-leading", "ü"])
def test_an_unsafe_request_id_is_replaced(client, given):
    echoed = client.get("/healthz", HTTP_X_REQUEST_ID=given)["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", echoed)


@pytest.mark.django_db
def test_a_request_id_is_made_when_none_is_sent_one_per_request(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


@pytest.mark.django_db
def test_the_request_id_is_on_error_responses_too(client):
    assert client.get("/no/such/page", HTTP_X_REQUEST_ID="lost-1")["X-Request-ID"] == "lost-1"


# JSON lines


@pytest.mark.django_db
def test_a_request_log_line_names_request_user_and_incident(client, severities, commander, json_lines):
    incident = IncidentFactory.create(by=commander, level="P2")
    services.incident_acknowledge(incident, by=commander)
    client.force_login(commander)
    # Acknowledging twice is refused: Django logs the 400 inside the request.
    response = client.post(f"/api/incidents/{incident.reference}/acknowledge/", HTTP_X_REQUEST_ID="req-42")
    assert response.status_code == 400
    assert response["X-Request-ID"] == "req-42"
    line = next(r for r in records(json_lines) if r["logger"] == "django.request")
    assert line["level"] == "WARNING"
    assert line["message"].startswith("Bad Request: /api/incidents/")
    assert (line["request_id"], line["user"], line["incident"], line["task"]) == (
        "req-42",
        commander.username,
        incident.reference,
        "",
    )
    assert "time" in line


@pytest.mark.django_db
def test_nothing_of_one_request_leaks_into_the_next_log_line(client, severities, commander, json_lines):
    client.get("/no/such/page", HTTP_X_REQUEST_ID="first-1")
    logging.getLogger("warroom.test").warning("between requests")
    lines = records(json_lines)
    assert lines[0]["request_id"] == "first-1"
    assert lines[-1]["message"] == "between requests"
    assert (lines[-1]["request_id"], lines[-1]["user"], lines[-1]["incident"]) == ("", "", "")


@pytest.mark.django_db
def test_a_task_log_line_names_the_task_and_the_request_that_queued_it(
    severities, commander, json_lines, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    incident = IncidentFactory.create(by=commander, level="P2")
    with logcontext.scope(request_id="req-7"), django_capture_on_commit_callbacks(execute=True):
        logcontext.set_incident(incident.reference)
        notify.enqueue(target=f"json://127.0.0.1:{closed_port()}/x", subject="s", body="b", about=incident)
    failed = next(r for r in records(json_lines) if r["logger"] == "incidents.outbox")
    assert failed["message"].startswith("notification ")
    assert (failed["task"], failed["request_id"], failed["incident"]) == ("outbox.deliver", "req-7", incident.reference)


def test_a_worker_takes_the_context_from_the_tasks_headers():
    headers: dict = {}
    with logcontext.scope(request_id="req-9", incident="INC-2026-11-27-004"):
        logcontext.add_to_task_headers(headers=headers)
    assert headers == {"warroom_request_id": "req-9", "warroom_incident": "INC-2026-11-27-004"}
    # In a worker, Celery makes the message's headers attributes of task.request.
    task = SimpleNamespace(name="outbox.deliver", request=SimpleNamespace(**headers))
    logcontext.task_started(task_id="t1", task=task)
    assert logcontext.current() == {"request_id": "req-9", "incident": "INC-2026-11-27-004"}
    assert logcontext.task_name.get() == "outbox.deliver"
    logcontext.task_finished(task_id="t1")
    assert logcontext.current() == {"request_id": "", "incident": ""}
    assert logcontext.task_name.get() == ""


def test_a_forged_request_id_in_a_message_is_not_trusted():
    task = SimpleNamespace(name="timers.tick", request=SimpleNamespace(warroom_request_id="bad id\nx"))
    logcontext.task_started(task_id="t2", task=task)
    try:
        assert logcontext.request_id.get() == ""
    finally:
        logcontext.task_finished(task_id="t2")


def test_log_format_json_from_the_environment_configures_the_json_formatter():
    script = (
        "import django, logging; django.setup(); "
        "from incidents import logcontext; "
        "logcontext.request_id.set('boot-1'); "
        "logging.getLogger('warroom.check').warning('hello %s', 'world')"
    )
    env = {"LOG_FORMAT": "json", "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    # Only this logger's line (Django may warn about other things, e.g. a static root not built yet).
    [line] = [entry for entry in map(json.loads, done.stderr.splitlines()) if entry.get("logger") == "warroom.check"]
    assert {k: line[k] for k in ("level", "logger", "message", "request_id", "user", "incident", "task")} == {
        "level": "WARNING",
        "logger": "warroom.check",
        "message": "hello world",
        "request_id": "boot-1",
        "user": "",
        "incident": "",
        "task": "",
    }


def test_an_unknown_log_format_is_refused_at_start_up():
    env = {"LOG_FORMAT": "xml", "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "LOG_FORMAT must be text or json" in done.stderr
