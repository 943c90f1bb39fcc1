"""Which language each reader gets.

- Admin pages: the language the user chose in My preferences, else their browser's (LocaleMiddleware,
  from Accept-Language), else the site's (WARROOM_LANGUAGE).
- Messages that leave Warroom (emails, chat): the recipient's language where it is known (a user's
  preference, a subscriber's language at sign-up), else the site's. They are rendered inside
  `in_language()`, so the words are fixed when the message is queued, not when it is delivered.
The public status page picks its own (`incidents.statuspage`): `?lang=`, then Accept-Language."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from incidents.timezones import ZONED_PATHS, user_preference


def supported_language(code: str | None) -> str:
    """`code` if Warroom speaks it (or its base language: it-CH gives it), else the site's language."""
    if code:
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            pass
    return site_language()


def site_language() -> str:
    return str(settings.LANGUAGE_CODE)


def user_language(user: Any) -> str:
    """The language a user chose, else the site's (for messages sent to them, where no browser tells)."""
    preference = user_preference(user)
    return supported_language(preference.language if preference else None)


def in_language(code: str | None) -> AbstractContextManager[None]:
    """Render within: `code` if supported, else the site's language."""
    return translation.override(supported_language(code))


def in_site_language() -> AbstractContextManager[None]:
    """Render within the site's language: for what Warroom stores and everyone reads (the timeline, timer
    outcomes, seeded runbook defaults) and for messages to no one in particular (a channel, a URL)."""
    return in_language(site_language())


class UserLanguageMiddleware:
    """On admin pages, a signed-in user's chosen language wins over the browser's (after LocaleMiddleware
    and AuthenticationMiddleware; the preference is loaded with the user, so this costs no query)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        preference = None
        if request.path_info.startswith(ZONED_PATHS) and user is not None and user.is_authenticated:
            preference = user_preference(user)
        if preference is None or not preference.language:
            return self.get_response(request)
        language = supported_language(preference.language)
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers["Content-Language"] = language
        return response
