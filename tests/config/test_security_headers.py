"""Every page carries the Content-Security-Policy (nothing inline for scripts; nothing inline for styles
outside the API docs), Referrer-Policy, X-Content-Type-Options and Permissions-Policy; the templates
hold no inline script, event handler or style attribute for the policy to refuse."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_hardened(response, *, inline_styles: bool = False) -> None:
    csp = directives(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'self'"]
    assert ("'unsafe-inline'" in csp["style-src"]) is inline_styles
    # The default, or stricter where a page asks (the subscription pages carry tokens in their URLs).
    assert response["Referrer-Policy"] in ("strict-origin-when-cross-origin", "same-origin", "no-referrer")
    assert response["X-Content-Type-Options"] == "nosniff"
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in permissions


@pytest.mark.parametrize(
    "path", ["/status/", "/status/history/", "/status/uptime/", "/status/subscribe/", "/status/api/v2/summary.json"]
)
def test_status_pages(client, path):
    IncidentFactory()
    response = client.get(path)
    assert response.status_code == 200
    assert_hardened(response)


@pytest.mark.parametrize("path", ["/admin/", "/admin/incidents/incident/", "/admin/incidents/incident/add/"])
def test_admin_pages(commander_client, path):
    response = commander_client.get(path)
    assert response.status_code == 200
    assert_hardened(response)


def test_the_default_referrer_policy():
    assert settings.SECURE_REFERRER_POLICY == "strict-origin-when-cross-origin"


def test_login_page_and_health(client):
    assert_hardened(client.get("/admin/login/"))
    assert_hardened(client.get("/healthz"))


def test_only_the_api_docs_allow_inline_styles(client, commander):
    client.force_login(commander)
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert_hardened(docs, inline_styles=True)
    assert "<script>" not in docs.content.decode()  # Swagger UI's own script comes from ?script=
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_session_cookie_settings():
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.CSRF_COOKIE_SAMESITE == "Lax"


INLINE_CODE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I), "an inline event handler"),
    (re.compile(r"\sstyle\s*=\s*[\"']", re.I), "a style= attribute"),
    (re.compile(r"<style[\s>]", re.I), "a <style> block"),
]


def test_no_template_or_format_html_holds_inline_code():
    root = Path(settings.BASE_DIR)
    sources = [
        *root.glob("templates/**/*.html"),
        *root.glob("incidents/**/templates/**/*.html"),
        *root.glob("postmortems/**/templates/**/*.html"),
        *(p for p in root.glob("incidents/**/*.py") if "format_html" in p.read_text()),
        *(p for p in root.glob("postmortems/**/*.py") if "format_html" in p.read_text()),
    ]
    assert len(sources) > 20
    found = [
        f"{path.relative_to(root)}: {what}"
        for path in sources
        for pattern, what in INLINE_CODE
        if pattern.search(path.read_text())
    ]
    assert not found, "move it to a static file / data- attribute: " + ", ".join(found)
