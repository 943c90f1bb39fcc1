"""The client address the login lockout counts by: the status page's trusted-proxy rule, kept only
when it is an IP address (a forged or missing X-Forwarded-For/REMOTE_ADDR would otherwise reach an
`inet` column on PostgreSQL and fail the login with a 500)."""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest

from incidents.statuspage.http import client_address


def login_client_address(request: HttpRequest) -> str | None:
    address = client_address(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
