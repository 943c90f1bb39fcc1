"""Gunicorn settings for Warroom's metrics in multiprocess mode; pass it with `gunicorn -c config/gunicorn.py`
(or import its hooks into your own gunicorn config file).

With `PROMETHEUS_MULTIPROC_DIR` set, each worker writes its metrics to files in that directory and `/metrics`
adds them up. When a worker exits, its live gauges are dropped (`child_exit`); its counters stay, so totals
never go backwards. Empty the directory before the processes that share it start (a systemd
`RuntimeDirectory=` or a tmpfs does it), never while they run.
"""

from __future__ import annotations

import os
from typing import Any


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
