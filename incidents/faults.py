"""Shared services a request can do without: the cache (and the public rate limit kept in it), the broker.

When one fails, the caller carries on without it (serves uncached, lets the client through, leaves the
notification queued for the outbox's re-queue) and reports the failure here: it is counted per process
(`counts()`, shown by `/readyz`), logged as a warning at most once per LOG_EVERY_SECONDS per service (not
once per request), and the service is left alone for RETRY_AFTER_SECONDS, so that an outage costs each
request nothing rather than a failed connection attempt.

This module imports nothing of Warroom: the engines and every package may use it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter

logger = logging.getLogger("warroom.faults")

LOG_EVERY_SECONDS = 60.0
RETRY_AFTER_SECONDS = 5.0

CACHE = "cache"  # the shared cache: the status page's responses, their version, the rate-limit counters
BROKER = "broker"  # publishing a Celery task

_lock = threading.Lock()
_failures: Counter[str] = Counter()
_logged_at: dict[str, float] = {}
_logged_count: Counter[str] = Counter()
_failed_at: dict[str, float] = {}


def failed(service: str, error: BaseException) -> None:
    """Count a failure of `service`, warn now and then, and skip the service for a few seconds."""
    now = time.monotonic()
    with _lock:
        _failures[service] += 1
        _failed_at[service] = now
        total = _failures[service]
        due = now - _logged_at.get(service, float("-inf")) >= LOG_EVERY_SECONDS
        if due:
            since = total - _logged_count[service]
            _logged_at[service] = now
            _logged_count[service] = total
    if due:
        logger.warning(
            "%s unavailable (%s: %s); carrying on without it. %d failure(s) since the last warning, %d in all.",
            service,
            type(error).__name__,
            error,
            since,
            total,
        )


def available(service: str) -> bool:
    """False for RETRY_AFTER_SECONDS after a failure: the caller then goes without the service."""
    with _lock:
        last = _failed_at.get(service)
    return last is None or time.monotonic() - last >= RETRY_AFTER_SECONDS


def counts() -> dict[str, int]:
    """Failures per service since this process started."""
    with _lock:
        return dict(_failures)


def reset() -> None:
    """Forget every failure (tests)."""
    with _lock:
        _failures.clear()
        _logged_at.clear()
        _logged_count.clear()
        _failed_at.clear()
