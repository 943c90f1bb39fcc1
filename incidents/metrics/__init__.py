"""Prometheus metrics at `/metrics` (app `metrics`).

Counters and histograms of events (incidents declared, acknowledged, resolved; SLA breaches; timer
ticks and firings; outbox deliveries; alert payloads; HTTP requests) are incremented by receivers of
the signals the core, the timer engine and the outbox send (`receivers.py`), so none of them imports
this package. Gauges of state (open incidents, heartbeat age, due timers, the outbox backlog) are read
from the database at scrape time (`collector.py`), so every web process answers the same.

Under gunicorn or Celery's prefork pool set `PROMETHEUS_MULTIPROC_DIR`: each process then writes its
counters to files there and a scrape adds them up (prometheus_client's multiprocess mode).
"""
