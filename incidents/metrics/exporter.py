"""The metrics of a Celery worker host, for installations whose workers run on other hosts than the web.

With `METRICS_WORKER_ADDRESS` (`host:port`) set, a worker's main process listens there and serves the
event metrics of its pool (the timer engine's ticks and lateness, deliveries, SLA breaches) at `/metrics`,
behind the same token as the web's. It reads the pool's files, so `PROMETHEUS_MULTIPROC_DIR` must be set;
give it a directory of its own, not the web's, or a sum over hosts counts the same events twice. The
database gauges are served by the web's `/metrics` only.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client.exposition import choose_encoder

from incidents.metrics import exposition

logger = logging.getLogger("incidents.metrics")


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # scrapes every few seconds: not worth a line
        pass


class _ThreadingServer(WSGIServer):
    daemon_threads = True


def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    if environ.get("PATH_INFO") != "/metrics":
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"Not found."]
    refused = exposition.refusal(environ.get("HTTP_AUTHORIZATION", ""))
    if refused is not None:
        headers = [("Content-Type", "text/plain")]
        if refused.status == 401:
            headers.append(("WWW-Authenticate", exposition.CHALLENGE))
        reason = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}[refused.status]
        start_response(f"{refused.status} {reason}", headers)
        return [refused.text.encode()]
    encode, content_type = choose_encoder(environ.get("HTTP_ACCEPT", ""))
    body = encode(exposition.event_registry())
    start_response("200 OK", [("Content-Type", content_type), ("Cache-Control", "no-cache")])
    return [body]


def parse_address(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"METRICS_WORKER_ADDRESS must be host:port, not {address!r}.")
    return host.strip("[]"), int(port)


def serve(address: str) -> WSGIServer | None:
    """Listen on `address` in a background thread; None (with a warning) when there is nothing to serve."""
    if not os.environ.get(exposition.MULTIPROC_ENV):
        logger.warning(
            "METRICS_WORKER_ADDRESS is set but PROMETHEUS_MULTIPROC_DIR is not: the pool's metrics cannot be "
            "read from the main process; not listening."
        )
        return None
    host, port = parse_address(address)
    server = make_server(host, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics-exporter", daemon=True).start()
    logger.info("worker metrics on http://%s:%s/metrics", host, server.server_port)
    return server
