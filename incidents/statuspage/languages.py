"""The language of the public status page: `?lang=<code>` (one of settings.LANGUAGES) wins, else the
reader's Accept-Language, else the site's language (WARROOM_LANGUAGE). No cookie: what a page says
depends only on its URL and Accept-Language, the two things its cache key and `Vary` name, so a shared
cache never gives an Italian reader the English copy or the other way round.

The Statuspage v2 JSON (and the badge) stay English whatever the reader asks: `english()`."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header

from incidents.languages import site_language

LANG_PARAMETER = "lang"
API_LANGUAGE = "en"


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def requested_language(request: HttpRequest) -> tuple[str, bool]:
    """(the page's language, whether `?lang=` chose it)."""
    asked = request.GET.get(LANG_PARAMETER, "")
    if asked in language_codes():
        return asked, True
    for code, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code), False
        except LookupError:
            continue
    return site_language(), False


def english() -> AbstractContextManager[None]:
    """For what existing clients parse: the v2 JSON and the badge."""
    return translation.override(API_LANGUAGE)


def switcher(request: HttpRequest, active: str) -> list[dict[str, Any]]:
    """One link per language to the same page with `?lang=`, each name in its own language. Only the
    path is kept: other query parameters are not part of the cache key, so they never reach the page."""
    links = []
    for code, _name in settings.LANGUAGES:
        href = f"{request.path}?{urlencode({LANG_PARAMETER: code})}"
        links.append(
            {
                "code": code,
                "name": translation.get_language_info(code)["name_local"],
                "href": href,
                "absolute": request.build_absolute_uri(href),
                "current": code == active,
            }
        )
    return links


def cache_part(request: HttpRequest) -> str:
    """The part of a page's cache key that names its language (and whether `?lang=` chose it: the page's
    links then keep it)."""
    language = getattr(request, "status_language", None) or translation.get_language() or site_language()
    return f"lang={language}{'!' if getattr(request, 'status_lang_explicit', False) else ''}"


def page_language(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Render a status page view in the reader's language (see the module). The request carries
    `status_language`, `status_lang_explicit` and the switcher's links for the templates."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        language, explicit = requested_language(request)
        request.status_language = language  # type: ignore[attr-defined]
        request.status_lang_explicit = explicit  # type: ignore[attr-defined]
        with translation.override(language):
            request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
            response = view(request, *args, **kwargs)  # rendered within: these views render at once
        response.headers["Content-Language"] = language
        _vary(response)
        return response

    return wrapped


def _vary(response: HttpResponseBase) -> None:
    patch_vary_headers(response, ("Accept-Language",))


def page_context(request: HttpRequest) -> dict[str, Any]:
    """What base.html needs to name the language: the switcher, hreflang links and the query that keeps
    a chosen language on the page's own links."""
    language = getattr(request, "status_language", None) or translation.get_language() or site_language()
    explicit = bool(getattr(request, "status_lang_explicit", False))
    return {
        "page_language": language,
        "languages": switcher(request, language),
        "x_default_url": request.build_absolute_uri(request.path),
        "lang_query": f"?{urlencode({LANG_PARAMETER: language})}" if explicit else "",
    }
