"""The event metrics: counters and histograms, incremented by the receivers and the HTTP middleware.

They live in prometheus_client's default registry. With `PROMETHEUS_MULTIPROC_DIR` set (before this module
is imported) each process writes them to its own files in that directory, and `/metrics` adds them up.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram, disable_created_metrics

# No `_created` series beside each counter and histogram (multiprocess mode has none either).
disable_created_metrics()

MINUTE = 60.0
HOUR = 3600.0

# Incidents

INCIDENTS_DECLARED = Counter("warroom_incidents_declared", "Incidents declared.", ["severity"])
TIME_TO_ACKNOWLEDGE = Histogram(
    "warroom_incident_time_to_acknowledge_seconds",
    "From the start of an incident to its acknowledgement.",
    ["severity"],
    buckets=(MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 4 * HOUR, 12 * HOUR, 24 * HOUR),
)
TIME_TO_RESOLVE = Histogram(
    "warroom_incident_time_to_resolve_seconds",
    "From the start of an incident to its resolution.",
    ["severity"],
    buckets=(15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 4 * HOUR, 8 * HOUR, 24 * HOUR, 72 * HOUR, 7 * 24 * HOUR),
)
SLA_BREACHES = Counter(
    "warroom_sla_breaches",
    "Runbook deadlines that passed unmet (acknowledge, resolve, stakeholder, update), as the timer engine fired them.",
    ["deadline", "severity"],
)

# The timer engine

TICK_DURATION = Histogram(
    "warroom_timer_tick_duration_seconds",
    "Duration of one tick of the timer engine.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
TICK_DUE_TIMERS = Histogram(
    "warroom_timer_tick_due_timers",
    "Timers one tick found due.",
    buckets=(0, 1, 5, 10, 25, 50, 100, 250, 500),
)
TIMERS_FIRED = Counter("warroom_timers_fired", "Timers fired by the engine.", ["kind"])
TIMER_ERRORS = Counter("warroom_timer_errors", "Timer handlers that raised (the timer is retried).")
TIMER_LATENESS = Histogram(
    "warroom_timer_lateness_seconds",
    "How late a timer fired (fired_at - due_at); up to one tick interval is by design.",
    ["kind"],
    buckets=(0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 30.0, MINUTE, 2 * MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR),
)

# The outbox

OUTBOX_QUEUED = Counter("warroom_outbox_queued", "Notifications written to the outbox for delivery.", ["channel"])
OUTBOX_DELIVERED = Counter("warroom_outbox_delivered", "Notifications delivered.", ["channel"])
OUTBOX_RETRIED = Counter("warroom_outbox_retried", "Failed delivery attempts that will be retried.", ["channel"])
OUTBOX_FAILED = Counter("warroom_outbox_failed", "Notifications given up on (failed for good).", ["channel"])

# Alerts from monitoring

ALERT_PAYLOADS_RECEIVED = Counter(
    "warroom_alert_payloads_received", "Monitoring payloads received with a valid key.", ["integration", "endpoint"]
)
ALERT_PAYLOADS_REJECTED = Counter(
    "warroom_alert_payloads_rejected", "Monitoring payloads refused as malformed.", ["integration", "endpoint"]
)

# HTTP

HTTP_REQUESTS = Counter(
    "warroom_http_requests", "HTTP requests answered, by view (URL name) and status.", ["view", "method", "status"]
)
HTTP_DURATION = Histogram(
    "warroom_http_request_duration_seconds",
    "Time to answer an HTTP request, by view (URL name).",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
