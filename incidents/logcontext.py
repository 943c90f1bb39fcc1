"""What every log line says about where it came from: the request id, the user, the incident and the
Celery task. Context variables hold them; `ContextFilter` adds them to each record (the JSON format of
`LOG_FORMAT=json` prints them, see config/settings/base.py).

Set by `RequestIdMiddleware` (a request: its `X-Request-ID`, accepted when short and safe, else made, and
echoed on the response), by Celery's task signals (a task: its name, and the request id and incident of
the request that queued it, carried in the message's headers), and by the incident core when it locks or
logs an incident (`set_incident`). This module imports nothing of Warroom: the engines may use it.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.signals import request_finished, request_started
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

REQUEST_ID_HEADER = "X-Request-ID"
# Accepted from a client or a proxy: what tracing systems send (UUIDs, hex ids, dotted or dashed tokens).
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")

request_id: ContextVar[str] = ContextVar("request_id", default="")
incident: ContextVar[str] = ContextVar("incident", default="")
task_name: ContextVar[str] = ContextVar("task", default="")
_request: ContextVar[HttpRequest | None] = ContextVar("request", default=None)

_VARS: tuple[ContextVar[Any], ...] = (request_id, incident, task_name, _request)
_DEFAULTS: dict[ContextVar[Any], Any] = {request_id: "", incident: "", task_name: "", _request: None}


def set_incident(reference: str) -> None:
    """The incident the current request or task works on, for its log lines from now on."""
    incident.set(reference)


def valid_request_id(value: str | None) -> str | None:
    value = (value or "").strip()
    return value if REQUEST_ID_PATTERN.fullmatch(value) else None


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def scope(**values: Any) -> Iterator[None]:
    """Run a block with these values (request_id=, incident=, task=), and whatever the block sets, undone after."""
    saved = [(var, var.get()) for var in _VARS]
    try:
        for name, value in values.items():
            {"request_id": request_id, "incident": incident, "task": task_name}[name].set(value)
        yield
    finally:
        for var, value in saved:
            var.set(value)


def clear(**kwargs: Any) -> None:
    """Forget the context (a request has finished; a new one starts)."""
    for var in _VARS:
        var.set(_DEFAULTS[var])


def current() -> dict[str, str]:
    """The context to carry into a task queued now."""
    return {"request_id": request_id.get(), "incident": incident.get()}


def _username() -> str:
    """The request's user if something has already looked them up (a log line never costs a query)."""
    request = _request.get()
    if request is None:
        return ""
    user = request.__dict__.get("user")
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):  # type: ignore[attr-defined]
        return ""
    return user.get_username() if getattr(user, "is_authenticated", False) else ""


class ContextFilter(logging.Filter):
    """Adds `request_id`, `user`, `incident` and `task` to every record (empty when not known)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.user = _username()
        record.incident = incident.get()
        record.task = task_name.get()
        return True


class RequestIdMiddleware:
    """Accepts a valid `X-Request-ID` or makes one, binds it for the request's log lines, echoes it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # Django logs a 4xx or 5xx after the middleware has returned: the context lasts until the response
        # is closed, and a new request starts afresh.
        request_started.connect(clear, dispatch_uid="logcontext.request_started")
        request_finished.connect(clear, dispatch_uid="logcontext.request_finished")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = valid_request_id(request.headers.get(REQUEST_ID_HEADER)) or new_request_id()
        request.request_id = rid  # type: ignore[attr-defined]
        clear()
        request_id.set(rid)
        _request.set(request)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = rid
        return response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: dict[str, Any]) -> None:
        reference = kwargs.get("reference")
        if isinstance(reference, str):
            set_incident(reference)


# Celery: connected in config/celery.py.

HEADER_PREFIX = "warroom_"


def add_to_task_headers(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """`before_task_publish`: carry the request id and incident into the task's message."""
    if headers is None:
        return
    for name, value in current().items():
        if value:
            headers[HEADER_PREFIX + name] = value


_task_saved: dict[str, list[tuple[ContextVar[Any], Any]]] = {}


def task_started(task_id: str = "", task: Any = None, **kwargs: Any) -> None:
    """`task_prerun`: the task's name, and the context its message carried (an eager task keeps the caller's)."""
    _task_saved[task_id] = [(var, var.get()) for var in _VARS]
    request = getattr(task, "request", None)
    carried_id = valid_request_id(getattr(request, HEADER_PREFIX + "request_id", None))
    carried_incident = getattr(request, HEADER_PREFIX + "incident", None)
    task_name.set(getattr(task, "name", "") or "")
    if carried_id:
        request_id.set(carried_id)
    if isinstance(carried_incident, str) and carried_incident:
        incident.set(carried_incident)


def task_finished(task_id: str = "", **kwargs: Any) -> None:
    """`task_postrun`: back to the context before the task (a worker runs many tasks in one thread)."""
    for var, value in _task_saved.pop(task_id, []):
        var.set(value)
