"""Liveness and readiness endpoints for load balancers and orchestrators."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from incidents.timers.engine import heartbeat


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the web process answers. No database access, so a slow database does not restart it."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the database answers and the timer engine's tick ran within three intervals."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        beat = heartbeat()
    except DatabaseError as error:
        return JsonResponse({"status": "unavailable", "database": str(error)}, status=503)
    body = {
        "status": "unavailable" if beat.stale else "ok",
        "database": "ok",
        "timer_tick": {
            "last": beat.beat_at.isoformat() if beat.beat_at else None,
            "stale": beat.stale,
            "interval_seconds": beat.interval,
        },
    }
    return JsonResponse(body, status=503 if beat.stale else 200)
