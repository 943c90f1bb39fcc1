"""Liveness and readiness endpoints for load balancers and orchestrators."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from redis.exceptions import RedisError

from incidents import faults
from incidents.timers.engine import heartbeat


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the web process answers. No database access, so a slow database does not restart it."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the database answers and the timer engine's tick ran within three intervals (503 if not).
    Redis is reported too; without it the host still serves ("degraded")."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        beat = heartbeat()
    except DatabaseError as error:
        return JsonResponse({"status": "unavailable", "database": str(error)}, status=503)
    redis_state = _redis_state()
    body = {
        "status": "unavailable" if beat.stale else "degraded" if redis_state.startswith("unavailable") else "ok",
        "database": "ok",
        "redis": redis_state,
        "timer_tick": {
            "last": beat.beat_at.isoformat() if beat.beat_at else None,
            "stale": beat.stale,
            "interval_seconds": beat.interval,
        },
        # Failures of the cache and the broker that requests did without, in this web process.
        "degraded_failures": faults.counts(),
    }
    return JsonResponse(body, status=503 if beat.stale else 200)


def _redis_state() -> str:
    """Redis: "ok", "unavailable: <error>" or "not configured". Redis down does not make the host unready:
    pages are served uncached and notifications wait in the outbox; without a broker the tick stops,
    which the heartbeat then reports."""
    if not settings.REDIS_URL:
        return "not configured"
    try:
        cache.get("readyz:ping")  # one round trip to the cache's Redis
    except (RedisError, OSError) as error:
        return f"unavailable: {error}"
    return "ok"
