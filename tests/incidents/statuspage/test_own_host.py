"""The status page on its own host (STATUS_PAGE_HOST): the public site at the root and nothing else."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db

HOST = "status.example.com"
ATOM = "{http://www.w3.org/2005/Atom}"
ROOT_PATHS = [
    "/",
    "/history/",
    "/uptime/",
    "/badge.svg",
    "/history.atom",
    "/history.rss",
    "/api/v2/summary.json",
    "/api/v2/status.json",
    "/api/v2/components.json",
    "/api/v2/incidents.json",
    "/api/v2/incidents/unresolved.json",
    "/api/v2/scheduled-maintenances.json",
    "/api/v2/scheduled-maintenances/upcoming.json",
    "/api/v2/scheduled-maintenances/active.json",
]


@pytest.fixture(autouse=True)
def status_host(settings):
    settings.STATUS_PAGE_HOSTS = [HOST]
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST, "testserver"]
    settings.STATUS_PAGE_URL = "https://status.example.com/"
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("path", ROOT_PATHS)
def test_the_status_host_serves_the_public_site_at_its_root(client, incident, path):
    response = client.get(path, HTTP_HOST=HOST)
    assert response.status_code == 200, path


def test_an_incident_page_is_at_the_root_of_the_status_host(client, incident):
    response = client.get(f"/incidents/{incident.public_id}", HTTP_HOST=HOST)
    assert response.status_code == 200
    assert b"Checkout errors" in response.content


@pytest.mark.parametrize(
    "path", ["/admin/", "/admin/login/", "/api/incidents/", "/api/schema/", "/status/", "/healthz", "/readyz"]
)
def test_nothing_but_the_status_site_on_the_status_host(client, incident, path):
    assert client.get(path, HTTP_HOST=HOST).status_code == 404


def test_the_host_matches_whatever_its_case_and_port(client, incident):
    assert client.get("/api/v2/status.json", HTTP_HOST="Status.Example.com:8000").status_code == 200


def test_links_name_the_host_the_page_is_served_on(client, incident):
    summary = client.get("/api/v2/summary.json", HTTP_HOST=HOST).json()
    assert summary["page"]["url"] == f"http://{HOST}"
    assert summary["incidents"][0]["shortlink"] == f"http://{HOST}/incidents/{incident.public_id}"

    secure = client.get("/api/v2/summary.json", HTTP_HOST=HOST, secure=True).json()
    assert secure["page"]["url"] == f"https://{HOST}"


def test_html_links_are_relative_to_the_root_of_the_status_host(client, incident):
    # Served on the main host first: the status host must not get the /status/ copy from the cache.
    assert b'href="/status/history/"' in client.get("/status/").content
    page = client.get("/", HTTP_HOST=HOST).content
    assert b'href="/history/"' in page
    assert b"/status/" not in page


def test_the_feeds_link_to_the_status_host(client, incident):
    feed = ET.fromstring(client.get("/history.atom", HTTP_HOST=HOST).content)  # noqa: S314
    links = [link.get("href") for link in feed.iter(f"{ATOM}link")]
    assert f"http://{HOST}/incidents/{incident.public_id}" in links


def test_the_main_host_keeps_serving_status_under_its_path(client, incident):
    summary = client.get("/status/api/v2/summary.json").json()
    assert summary["page"]["url"] == "https://status.example.com"
    assert client.get("/admin/login/").status_code == 200


def test_a_status_host_is_allowed_without_listing_it_twice(monkeypatch):
    import importlib

    from config.settings import base

    monkeypatch.setenv("STATUS_PAGE_HOST", "status.example.com,Status.Other.org")
    monkeypatch.delenv("STATUS_PAGE_URL", raising=False)
    try:
        reloaded = importlib.reload(base)
        assert {"status.example.com", "status.other.org"} <= set(reloaded.ALLOWED_HOSTS)
        assert reloaded.STATUS_PAGE_URL == "https://status.example.com/"
    finally:
        monkeypatch.delenv("STATUS_PAGE_HOST")
        importlib.reload(base)


def test_the_badge_tells_the_status_in_text_and_is_cached_like_the_json(client, incident):
    response = client.get("/badge.svg", HTTP_HOST=HOST)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cache-Control"] == "public, max-age=10"
    svg = ET.fromstring(response.content)  # noqa: S314
    assert svg.find("{http://www.w3.org/2000/svg}script") is None
    # A public P2 raises its component to partial outage: "Partial System Outage", orange.
    assert svg.get("aria-label") == "status: Partial System Outage"
    assert 'fill="#c2410c"' in response.content.decode()
    assert client.get("/badge.svg", HTTP_HOST=HOST, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
