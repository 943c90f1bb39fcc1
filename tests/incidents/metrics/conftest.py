from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

TOKEN = "scrape-token-1234"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def metrics_token(settings) -> str:
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_PUBLIC = False
    return TOKEN


def parse(text: str) -> Samples:
    """Every sample of a scrape, by (sample name, labels), parsed by prometheus_client's own parser."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.fixture
def scrape(client, metrics_token):
    def scrape() -> Samples:
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {metrics_token}")
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("text/plain; version=0.0.4")
        return parse(response.content.decode())

    return scrape


def value(samples: Samples, name: str, **labels: str) -> float:
    """A sample's value; 0 when the series does not exist yet (a labelled counter before its first event)."""
    return samples.get((name, frozenset(labels.items())), 0.0)
