"""What a scrape reads and who may read it; shared by `/metrics` (views.py) and the Celery worker's own
listener (exporter.py)."""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from prometheus_client import REGISTRY, CollectorRegistry, multiprocess
from prometheus_client.core import Metric

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def event_registry() -> CollectorRegistry:
    """The counters and histograms: every process's files in multiprocess mode (gunicorn, Celery's prefork
    pool sharing the directory), else this process's own registry."""
    scrape = CollectorRegistry(auto_describe=False)
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.MultiProcessCollector(scrape)
    else:
        scrape.register(_ProcessRegistry())
    return scrape


def registry() -> CollectorRegistry:
    """What `/metrics` serves: the event metrics, plus the database gauges, computed at each scrape."""
    from incidents.metrics.collector import DatabaseCollector

    scrape = event_registry()
    scrape.register(DatabaseCollector())
    return scrape


class _ProcessRegistry:
    """This process's default registry (the event metrics, process and platform metrics) as one collector."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


@dataclass(frozen=True)
class Refusal:
    status: int
    text: str


def refusal(authorization: str) -> Refusal | None:
    """None when a scrape with this Authorization header may read the metrics.

    `METRICS_TOKEN` set: `Bearer <token>` is required (401 without credentials, 403 with wrong ones;
    compared in constant time). Unset: served only when `METRICS_PUBLIC` is true, else 404.
    """
    token = settings.METRICS_TOKEN
    if not token:
        return None if settings.METRICS_PUBLIC else Refusal(404, "Not found.")
    scheme, _, given = authorization.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return Refusal(401, "Credentials required.")
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return Refusal(403, "Wrong token.")
    return None


CHALLENGE = 'Bearer realm="metrics"'
