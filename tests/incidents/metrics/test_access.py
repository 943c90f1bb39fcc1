"""Who may read /metrics: a bearer token, or nobody but a confined listener (METRICS_PUBLIC); never on the
status host."""

from __future__ import annotations

import pytest

from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def test_without_a_token_or_public_it_does_not_exist(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_PUBLIC = False
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 404


def test_public_serves_without_credentials(client, settings, severities):
    settings.METRICS_TOKEN = ""
    settings.METRICS_PUBLIC = True
    response = client.get("/metrics")
    assert response.status_code == 200
    assert b"warroom_incidents_open" in response.content
    assert "no-cache" in response["Cache-Control"]


def test_a_token_is_required_and_checked(client, metrics_token, severities):
    missing = client.get("/metrics")
    assert missing.status_code == 401
    assert missing["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Token {metrics_token}").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong-token").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {metrics_token}x").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer nön-ascii").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {metrics_token}").status_code == 200
    # The token wins over METRICS_PUBLIC: with both set, credentials are still required.


def test_the_token_wins_over_public(client, metrics_token, settings):
    settings.METRICS_PUBLIC = True
    assert client.get("/metrics").status_code == 401


def test_only_get(client, metrics_token):
    response = client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {metrics_token}")
    assert response.status_code == 405


def test_an_openmetrics_scraper_gets_openmetrics(client, metrics_token, severities):
    response = client.get(
        "/metrics",
        HTTP_AUTHORIZATION=f"Bearer {metrics_token}",
        HTTP_ACCEPT="application/openmetrics-text; version=1.0.0",
    )
    assert response["Content-Type"].startswith("application/openmetrics-text")
    assert response.content.rstrip().endswith(b"# EOF")


def test_never_on_the_status_host(client, metrics_token, settings):
    settings.STATUS_PAGE_HOSTS = ["status.example.com"]
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "status.example.com"]
    settings.METRICS_PUBLIC = True
    for auth in ({}, {"HTTP_AUTHORIZATION": f"Bearer {metrics_token}"}):
        assert client.get("/metrics", HTTP_HOST="status.example.com", **auth).status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {metrics_token}").status_code == 200


def test_the_status_host_urlconf_has_no_metrics():
    from django.urls import Resolver404, resolve

    with pytest.raises(Resolver404):
        resolve("/metrics", urlconf="incidents.statuspage.host_urls")
    assert resolve("/metrics").url_name == "metrics"


def test_a_scrape_costs_eight_queries_however_many_incidents(
    client, metrics_token, severities, commander, django_assert_num_queries
):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {metrics_token}"}
    for level in ("P1", "P2", "P2", "P3"):
        IncidentFactory.create(by=commander, level=level)
    with django_assert_num_queries(8):
        assert client.get("/metrics", **auth).status_code == 200
    for _ in range(20):
        IncidentFactory.create(by=commander, level="P4")
    with django_assert_num_queries(8):
        assert client.get("/metrics", **auth).status_code == 200
