"""`/metrics`: the Prometheus text format, behind a bearer token.

- `METRICS_TOKEN` set: `Authorization: Bearer <token>` is required (401 without credentials, 403 with
  wrong ones; compared in constant time).
- `METRICS_TOKEN` empty and `METRICS_PUBLIC=true`: served to anyone who reaches it. Only for a listener
  the network already confines (an internal address Prometheus scrapes, not forwarded by the proxy).
- Neither: 404, as if there were no such page.

The status host's URLconf does not include it (incidents/statuspage/host_urls.py).
"""

from __future__ import annotations

import hmac
import os

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseNotFound
from django.views.decorators.cache import never_cache
from prometheus_client import REGISTRY, CollectorRegistry, multiprocess
from prometheus_client.exposition import choose_encoder

from incidents.metrics.collector import DatabaseCollector

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
    """What a scrape reads: the event metrics, plus the database gauges, computed now."""
    scrape = event_registry()
    scrape.register(DatabaseCollector())
    return scrape


class _ProcessRegistry:
    """This process's default registry (the event metrics, process and platform metrics) as one collector."""

    def collect(self):  # type: ignore[no-untyped-def]
        return REGISTRY.collect()


def _refusal(request: HttpRequest) -> HttpResponse | None:
    token = settings.METRICS_TOKEN
    if not token:
        return None if settings.METRICS_PUBLIC else HttpResponseNotFound("Not found.", content_type="text/plain")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        response = HttpResponse("Credentials required.", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return HttpResponse("Wrong token.", status=403, content_type="text/plain")
    return None


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    refusal = _refusal(request)
    if refusal is not None:
        return refusal
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    # The format the scraper asks for (Prometheus text or OpenMetrics).
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encode(registry()), content_type=content_type)
