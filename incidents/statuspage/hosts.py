"""The status page on its own host (`STATUS_PAGE_HOST`, e.g. status.example.com), as real status pages
are served: the public site at the root of that host and nothing else, so that clients building
`{page}/api/v2/summary.json` (Atlassian's widget among them) read it unchanged. The main host keeps
serving it under `/status/`.

Links in what is served (page.url, shortlinks, feeds) name the host the page is served on; outside a
request (notifications, templates rendered by workers) they name `STATUS_PAGE_URL`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port

from incidents.models import status_page_url

STATUS_HOST_URLCONF = "incidents.statuspage.host_urls"

_served_base: ContextVar[str | None] = ContextVar("status_page_served_base", default=None)


def status_hosts() -> frozenset[str]:
    return frozenset(host.strip().lower() for host in settings.STATUS_PAGE_HOSTS if host.strip())


def is_status_host(request: HttpRequest) -> bool:
    hosts = status_hosts()
    if not hosts:
        return False
    domain, _port = split_domain_port(request.get_host())
    return domain.lower() in hosts


def page_base_url() -> str:
    """The status page's base URL, without a trailing slash: the status host being served, else
    STATUS_PAGE_URL."""
    return _served_base.get() or status_page_url()


def shortlink(public_id: str) -> str:
    return f"{page_base_url()}/incidents/{public_id}"


class StatusHostMiddleware:
    """Route requests for a status host to the status-only URLconf (everything else there is a 404)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_status_host(request):
            return self.get_response(request)
        request.urlconf = STATUS_HOST_URLCONF
        token = _served_base.set(f"{request.scheme}://{request.get_host()}")
        try:
            return self.get_response(request)
        finally:
            _served_base.reset(token)
