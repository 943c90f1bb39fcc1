"""Counts every HTTP response by view and status. The view is the URL pattern's name (its route when it
has none), never the raw path, so the number of series stays bounded whatever clients request."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from incidents.metrics import instruments

UNRESOLVED = "<unresolved>"  # no URL pattern matched (a 404), or a middleware answered first


def view_label(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNRESOLVED
    return match.view_name or match.route or UNRESOLVED


class HttpMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        view = view_label(request)
        method = request.method if request.method in KNOWN_METHODS else "other"
        instruments.HTTP_REQUESTS.labels(view, method, str(response.status_code)).inc()
        instruments.HTTP_DURATION.labels(view).observe(time.perf_counter() - started)
        return response


# Anything else is counted as "other": a client must not be able to add series at will.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
