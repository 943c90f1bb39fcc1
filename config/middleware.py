"""Refuse NUL characters before they reach a view: PostgreSQL cannot store them in text, so a NUL in a
path, a query string, a header, a cookie or a form field would otherwise surface as a database error (a
500) where it is looked up (a session key, an API token, a filter)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotFound
from django.utils.translation import gettext as _

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(pairs: Iterable[tuple[str, list[str]]]) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in pairs)


class RefuseNulCharactersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path_info:
            return HttpResponseNotFound(_("Not found."), content_type="text/plain")
        if _has_nul(request.GET.lists()):
            return _bad_request(request, _("NUL characters are not allowed in the query string."))
        headers = ((name, [value]) for name, value in request.META.items() if name.startswith("HTTP_"))
        if _has_nul(headers) or _has_nul((name, [value]) for name, value in request.COOKIES.items()):
            return _bad_request(request, _("NUL characters are not allowed in headers or cookies."))
        # POSTed form bodies only (Django parses no other method's body): JSON and the API's PATCH/PUT forms
        # are checked by the API's parsers, naming the field; files may hold any byte.
        if request.content_type in FORM_TYPES and _has_nul(request.POST.lists()):
            return _bad_request(request, _("NUL characters are not allowed in form fields."))
        return self.get_response(request)


def _bad_request(request: HttpRequest, message: str) -> HttpResponse:
    if request.path_info.startswith(("/api/", "/status/api/")):
        return HttpResponseBadRequest(json.dumps({"detail": message}), content_type="application/json")
    return HttpResponseBadRequest(message, content_type="text/plain")


class PermissionsPolicyMiddleware:
    """Send `Permissions-Policy`, denying the browser features listed in PERMISSIONS_POLICY_DENIED."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        denied = getattr(settings, "PERMISSIONS_POLICY_DENIED", ())
        self.header = ", ".join(f"{feature}=()" for feature in denied)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
