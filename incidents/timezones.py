"""Each admin user reads times in their own zone (their UserPreference, else TIME_ZONE).

The preference is read with the user itself (the authentication backend joins it), so showing times in
the user's zone costs no query of its own; the middleware activates the zone for admin pages. The API
and the public status page are left in UTC (the API's ISO 8601 offsets stay +00:00)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString


class PreferenceModelBackend(ModelBackend):
    """Django's ModelBackend, loading the user's preferences in the same query as the user."""

    def get_user(self, user_id: Any) -> Any:
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("preference").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


def user_preference(user: Any) -> Any:
    """The user's UserPreference or None (not saved yet). No query when the backend joined it."""
    try:
        return user.preference
    except (AttributeError, ObjectDoesNotExist):
        return None


def user_time_zone_name(user: Any) -> str:
    """The zone the user chose, else TIME_ZONE."""
    preference = user_preference(user)
    return str(preference.time_zone) if preference else settings.TIME_ZONE


def user_time_zone(user: Any) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user_time_zone_name(user))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        # A zone removed from the tz database since it was chosen: fall back rather than fail the page.
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def zoned_text(moment: datetime, fmt: str = "Y-m-d H:i") -> str:
    """`moment` in the active zone as text, ending with the zone's abbreviation (CET, CEST, EDT, UTC)."""
    local = timezone.localtime(moment)
    return f"{dateformat.format(local, fmt)} {local.tzname()}"


def time_html(moment: datetime, fmt: str = "Y-m-d H:i") -> SafeString:
    """<time datetime="…UTC ISO…">…in the active zone, named…</time>."""
    return format_html('<time datetime="{}">{}</time>', moment.astimezone(UTC).isoformat(), zoned_text(moment, fmt))


ZONED_PATHS = ("/admin/",)


class UserTimeZoneMiddleware:
    """Activate the signed-in user's zone for admin pages (after AuthenticationMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if not request.path_info.startswith(ZONED_PATHS) or user is None or not user.is_authenticated:
            return self.get_response(request)
        timezone.activate(user_time_zone(user))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
