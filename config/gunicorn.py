"""gunicorn's configuration: `gunicorn --config config/gunicorn.py config.wsgi` (the systemd unit and
`make serve` run it so). Every value can be overridden on the command line or with GUNICORN_CMD_ARGS.

Metrics in multiprocess mode: with `PROMETHEUS_MULTIPROC_DIR` set, each worker writes its metrics to files
in that directory and `/metrics` adds them up. When a worker exits, its live gauges are dropped
(`child_exit`); its counters stay, so totals never go backwards. Empty the directory before the processes
that share it start (a systemd `RuntimeDirectory=` or a tmpfs does it), never while they run.
"""

from __future__ import annotations

import os
from typing import Any

# WEB_BIND wins (e.g. 0.0.0.0:8000 on a web host behind the proxy); else PORT on loopback.
bind = [os.environ.get("WEB_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"]
# Synchronous workers: each serves one request at a time. Two per core is a fair start.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = timeout
# Restart workers now and then, staggered, so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# The settings module must be the production one however gunicorn was started.
raw_env = [f"DJANGO_SETTINGS_MODULE={os.environ.get('DJANGO_SETTINGS_MODULE', 'config.settings.production')}"]


# Server hooks (gunicorn calls these by name).
def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
