"""Public, anonymous, read-only status pages: the Statuspage v2 JSON, the HTML page and the feeds."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe
from django.views.i18n import JavaScriptCatalog

from incidents import faults
from incidents.models import OPEN_STATUSES
from incidents.statuspage import fanout, languages, selectors, subscribers, uptime, v2
from incidents.statuspage.http import client_address, parse_rate, serve_public
from incidents.statuspage.models import ScheduledMaintenance


def _json_builder(name: str) -> Callable[[], tuple[bytes, str, datetime]]:
    def build() -> tuple[bytes, str, datetime]:
        state = selectors.page_state()
        document = v2.DOCUMENTS[name](state)
        body = json.dumps(document, cls=DjangoJSONEncoder, separators=(",", ":")).encode()
        return body, "application/json", state.updated_at

    return build


def statuspage_json(name: str) -> Callable[[HttpRequest], HttpResponse]:
    """A view serving one of the Statuspage v2 documents (summary, status, components, ...)."""
    build = _json_builder(name)

    @require_safe
    def view(request: HttpRequest) -> HttpResponse:
        return serve_public(request, f"json:{name}", build, cors=True)

    view.__name__ = f"statuspage_{name.replace('/', '_').replace('-', '_')}"
    return view


def _html(
    request: HttpRequest, template: str, context: Callable[[], dict[str, Any]]
) -> Callable[[], tuple[bytes, str, datetime]]:
    def build() -> tuple[bytes, str, datetime]:
        data = {**context(), **languages.page_context(request)}
        body = render_to_string(template, data).encode()
        return body, "text/html; charset=utf-8", data["state"].updated_at

    return build


def _page_context() -> dict[str, Any]:
    state = selectors.page_state()
    return {
        "state": state,
        "page": v2.page_json(state),
        "status": v2.status_json(state),
        "groups": _grouped_components(state, uptime.showcase(state.components)),
        "incidents": [v2.incident_json(i, state) for i in state.active_incidents],
        "active_maintenances": [v2.maintenance_json(m, state) for m in state.active_maintenances],
        "upcoming_maintenances": [v2.maintenance_json(m, state) for m in state.upcoming_maintenances],
        "recent": [
            v2.incident_json(i, state) for i in selectors.public_incidents().exclude(status__in=OPEN_STATUSES)[:5]
        ],
    }


def _grouped_components(state: selectors.PageState, uptimes: dict[int, uptime.Uptime]) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for component in state.components:
        shown = {
            **v2.component_json(component, state),
            "uptime": uptimes.get(component.pk),
            "pk": component.pk,
            "pk_text": str(component.pk),
        }
        groups.setdefault(component.group, []).append(shown)
    return [{"name": name, "components": members} for name, members in groups.items()]


@require_safe
@languages.page_language
def status_page(request: HttpRequest) -> HttpResponse:
    return serve_public(
        request, "html:index", _html(request, "status/index.html", _page_context), cors=False, localized=True
    )


@require_safe
@languages.page_language
def history_page(request: HttpRequest) -> HttpResponse:
    def context() -> dict[str, Any]:
        state = selectors.page_state()
        return {
            "state": state,
            "page": v2.page_json(state),
            "status": v2.status_json(state),
            "incidents": [v2.incident_json(i, state) for i in selectors.recent_incidents()],
            "maintenances": [
                v2.maintenance_json(m, state)
                for m in selectors.public_maintenances()
                .filter(status="completed")
                .order_by("-scheduled_for")[: selectors.HISTORY_LIMIT]
            ],
        }

    return serve_public(
        request, "html:history", _html(request, "status/history.html", context), cors=False, localized=True
    )


@require_safe
@languages.page_language
def incident_page(request: HttpRequest, public_id: str) -> HttpResponse:
    def context() -> dict[str, Any]:
        found = selectors.public_incident_or_maintenance(public_id)
        if found is None:
            raise Http404(_("No such incident."))
        state = selectors.page_state()
        if isinstance(found, ScheduledMaintenance):
            item, kind = v2.maintenance_json(found, state), "maintenance"
        else:
            item, kind = v2.incident_json(found, state), "incident"
        return {"state": state, "page": v2.page_json(state), "item": item, "kind": kind}

    return serve_public(
        request,
        f"html:incident:{public_id}",
        _html(request, "status/incident.html", context),
        cors=False,
        localized=True,
    )


@require_safe
@languages.page_language
def uptime_page(request: HttpRequest) -> HttpResponse:
    def context() -> dict[str, Any]:
        state = selectors.page_state()
        return {
            "state": state,
            "page": v2.page_json(state),
            "months": uptime.monthly(state.components),
        }

    return serve_public(
        request, "html:uptime", _html(request, "status/uptime.html", context), cors=False, localized=True
    )


# The status page's JavaScript strings (local-time.js), in the page's language: base.html names the
# language in the URL (`?lang=`), so each language's catalogue is its own cacheable URL.
_javascript_catalog = cache_control(public=True, max_age=3600)(JavaScriptCatalog.as_view())


@require_safe
@languages.page_language
def javascript_catalog(request: HttpRequest) -> HttpResponseBase:
    return _javascript_catalog(request)


# The status page's own colours, dark enough for white text (contrast >= 4.5:1).
BADGE_COLOURS = {
    "none": "#15803d",
    "maintenance": "#1d4ed8",
    "minor": "#a16207",
    "major": "#c2410c",
    "critical": "#b91c1c",
}


def _text_width(text: str) -> int:
    """Approximate width in pixels of 11px Verdana, as shields.io badges are drawn."""
    return int(sum(7.5 if ch.isupper() or ch in "mwMW%" else 6.2 for ch in text)) + 10


def badge_svg(label: str, message: str, colour: str) -> bytes:
    label_width, message_width = _text_width(label), _text_width(message)
    width = label_width + message_width
    label, message = escape(label), escape(message)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" '
        f'aria-label="{label}: {message}"><title>{label}: {message}</title>'
        f'<rect width="{label_width}" height="20" fill="#555"/>'
        f'<rect x="{label_width}" width="{message_width}" height="20" fill="{colour}"/>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{label_width / 2}" y="14">{label}</text>'
        f'<text x="{label_width + message_width / 2}" y="14">{message}</text></g></svg>'
    ).encode()


@require_safe
def badge(request: HttpRequest) -> HttpResponse:
    """A shields-style SVG of the page's status, for READMEs and dashboards: no script, cached like the JSON."""

    def build() -> tuple[bytes, str, datetime]:
        state = selectors.page_state()
        status = v2.status_json(state)
        body = badge_svg("status", status["description"], BADGE_COLOURS[status["indicator"]])
        return body, "image/svg+xml", state.updated_at

    return serve_public(request, "svg:badge", build, cors=True)


# Subscribing: forms and signed links. Never cached, never referred (the links carry tokens).


def _personal(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _subscription_page(request: HttpRequest, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    state = selectors.page_state()
    page = {
        "state": state,
        "page": v2.page_json(state),
        "groups": _grouped_components(state, {}),
        **languages.page_context(request),
        **context,
    }
    return _personal(render(request, "status/subscription.html", page, status=status))


def _over_subscribe_limit(request: HttpRequest) -> bool:
    limit = parse_rate(settings.SUBSCRIBE_THROTTLE_RATE)
    if limit is None or not faults.available(faults.CACHE):
        return False  # the limit is a courtesy: a cache outage must not stop people subscribing
    allowed, period = limit
    key = f"status:subscribe:{client_address(request)}:{int(time.time() // period)}"
    try:
        if cache.add(key, 1, period + 1):
            return False
        return int(cache.incr(key)) > allowed
    except Exception as error:  # any cache backend's failure
        faults.failed(faults.CACHE, error)
        return False


@require_http_methods(["GET", "POST"])
@languages.page_language
def subscribe(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _subscription_page(request, {"step": "form", "kind": "email"})
    kind = request.POST.get("kind", "email")
    chosen = request.POST.getlist("components")
    email, endpoint = request.POST.get("email", ""), request.POST.get("endpoint", "")
    form = {"step": "form", "kind": kind, "email": email, "endpoint": endpoint, "chosen": chosen}
    if _over_subscribe_limit(request):
        return _subscription_page(request, {**form, "errors": [_("Too many requests; try again later.")]}, status=429)
    try:
        if kind == "webhook":
            subscriber = subscribers.subscribe_webhook(endpoint, chosen)
            return _subscription_page(
                request,
                {
                    "step": "webhook-added",
                    "secret": subscriber.signing_secret,
                    "manage_url": subscribers.link(subscriber, "manage"),
                    "signature_header": fanout.SIGNATURE_HEADER,
                },
            )
        subscribers.subscribe_email(email, chosen, language=translation.get_language())
    except ValidationError as error:
        messages = [m for field_messages in error.message_dict.values() for m in field_messages]
        return _subscription_page(request, {**form, "errors": messages}, status=400)
    return _subscription_page(request, {"step": "check-inbox"})


@require_http_methods(["GET", "POST"])
@languages.page_language
def subscription_confirm(request: HttpRequest, token: str) -> HttpResponse:
    # A GET changes nothing: mail scanners open links; people press the button.
    try:
        if request.method == "GET":
            subscribers.subscriber_for_token(token, "confirm", max_age=subscribers.confirm_max_age())
            return _subscription_page(request, {"step": "confirm"})
        subscriber = subscribers.subscription_confirm(token)
    except subscribers.InvalidLink as error:
        return _subscription_page(request, {"step": "invalid", "reason": str(error)}, status=400)
    return _subscription_page(request, {"step": "confirmed", "manage_url": subscribers.link(subscriber, "manage")})


@require_http_methods(["GET", "POST"])
@languages.page_language
def subscription_manage(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscriber = subscribers.subscriber_for_token(token, "manage")
        if request.method == "POST":
            if request.POST.get("action") == "unsubscribe":
                subscribers.unsubscribe(token)
                return _subscription_page(request, {"step": "unsubscribed"})
            subscriber = subscribers.subscription_components_set(token, request.POST.getlist("components"))
            saved = True
        else:
            saved = False
    except subscribers.InvalidLink as error:
        return _subscription_page(request, {"step": "invalid", "reason": str(error)}, status=400)
    except ValidationError as error:
        return _subscription_page(request, {"step": "invalid", "reason": " ".join(error.messages)}, status=400)
    chosen = [str(pk) for pk in subscriber.components.values_list("pk", flat=True)]
    return _subscription_page(request, {"step": "manage", "subscriber": subscriber, "chosen": chosen, "saved": saved})


@csrf_exempt  # RFC 8058 one-click unsubscribe: mail clients POST without a form; the signed link is the key.
@require_http_methods(["GET", "POST"])
@languages.page_language
def subscription_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "GET":
            subscribers.subscriber_for_token(token, "unsubscribe")
            return _subscription_page(request, {"step": "unsubscribe"})
        subscribers.unsubscribe(token)
    except subscribers.InvalidLink as error:
        return _subscription_page(request, {"step": "invalid", "reason": str(error)}, status=400)
    return _subscription_page(request, {"step": "unsubscribed"})
