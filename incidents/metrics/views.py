"""`/metrics`: the Prometheus text format (or OpenMetrics, as the scraper asks), behind a bearer token.

- `METRICS_TOKEN` set: `Authorization: Bearer <token>` is required (401 without credentials, 403 with
  wrong ones; compared in constant time).
- `METRICS_TOKEN` empty and `METRICS_PUBLIC=true`: served to anyone who reaches it. Only for a listener
  the network already confines (an internal address Prometheus scrapes, not forwarded by the proxy).
- Neither: 404, as if there were no such page.

The status host's URLconf does not include it (incidents/statuspage/host_urls.py).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.cache import never_cache
from prometheus_client.exposition import choose_encoder

from incidents.metrics import exposition


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    refused = exposition.refusal(request.headers.get("Authorization", ""))
    if refused is not None:
        response = HttpResponse(refused.text, status=refused.status, content_type="text/plain")
        if refused.status == 401:
            response["WWW-Authenticate"] = exposition.CHALLENGE
        return response
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encode(exposition.registry()), content_type=content_type)
