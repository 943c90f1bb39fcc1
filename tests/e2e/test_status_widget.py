"""Atlassian's own embeddable widget (`@statuspage/status-widget` from npm, unchanged) reads Warroom's
status host: it asks `{src}/api/v2/summary.json`, which only a page served at the root of its own host
can answer. `.ci/run` fetches the package from the npm registry into var/npm."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

from incidents.statuspage import services as status_services
from tests.conftest import REQUIRE_BROWSER
from tests.factories import ComponentFactory, IncidentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDGET = Path(django_settings.BASE_DIR) / "var/npm/node_modules/@statuspage/status-widget/dist/index.js"
STATUS_HOST = "status.localhost"  # browsers resolve *.localhost to the loopback address


@pytest.fixture
def widget_script() -> bytes:
    if not WIDGET.exists():
        message = f"the status widget is not installed at {WIDGET} (.ci/run fetches it from the npm registry)"
        if REQUIRE_BROWSER:
            pytest.fail(message)
        pytest.skip(message)
    return WIDGET.read_bytes()


@pytest.fixture
def embedding_site(tmp_path, widget_script):
    """Another site (another origin) embedding the widget, served from a directory on a loopback port."""
    (tmp_path / "widget.js").write_bytes(widget_script)
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tmp_path, f"http://embedding.localhost:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_the_official_widget_shows_the_live_status(page, live_server, settings, embedding_site, commander, severities):
    settings.STATUS_PAGE_HOSTS = [STATUS_HOST]
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, STATUS_HOST]
    cache.clear()
    api = ComponentFactory.create(name="API")
    incident = IncidentFactory.create(by=commander, level="P1", public=True, title="API down", components=[api])
    status_services.status_update_publish(incident, status="investigating", body="Looking into it.", by=commander)

    status_page = f"http://{STATUS_HOST}:{live_server.url.rsplit(':', 1)[1]}"
    directory, site = embedding_site
    (directory / "index.html").write_text(
        f"""<!DOCTYPE html><html><head><title>Our product</title><script src="widget.js"></script></head>
        <body><statuspage-widget src="{status_page}"></statuspage-widget>
        <statuspage-widget src="{status_page}" appearance="badge" title="Acme"></statuspage-widget></body></html>"""
    )
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(site)

    basic, badge = page.locator("statuspage-widget").first, page.locator("statuspage-widget").nth(1)
    basic.locator(".status-text").get_by_text("Major Service Outage").wait_for()
    assert basic.locator(".status-indicator").get_attribute("class") == "status-indicator critical"
    assert basic.locator("a").get_attribute("href") == status_page
    badge.get_by_text("Major Service Outage").wait_for()
    assert asked.count(f"{status_page}/api/v2/summary.json") == 1  # the widget keeps an answer for 30 s
