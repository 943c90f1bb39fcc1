from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from incidents.alerts import services
from incidents.alerts.models import Integration
from incidents.paging.models import Rotation, RotationMember
from incidents.paging.seed import PRIMARY_ROTATION
from tests.factories import ComponentFactory, UserFactory

FIXTURES = Path(__file__).parent / "fixtures"
# The fixtures' alerts start at 09:58-09:59 UTC; they arrive a few minutes later.
T0 = datetime(2026, 3, 2, 10, 5, tzinfo=UTC)


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def raw(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()


def am_payload(group: str, *, status: str = "firing", alerts: int = 1, at: datetime = T0, **labels: str) -> dict:
    """An Alertmanager v4 payload for one group, alerts numbered 0..n-1."""
    return {
        "receiver": "warroom",
        "status": status,
        "alerts": [
            {
                "status": status,
                "labels": {"alertname": group, "instance": f"host-{n}", **labels},
                "annotations": {"summary": f"{group} is failing"},
                "startsAt": (at - timedelta(minutes=3)).isoformat(),
                "endsAt": at.isoformat() if status == "resolved" else "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.example.org/graph",
                "fingerprint": f"{group}-{n}",
            }
            for n in range(alerts)
        ],
        "groupLabels": {"alertname": group},
        "commonLabels": {"alertname": group, **labels},
        "commonAnnotations": {"summary": f"{group} is failing"},
        "externalURL": "http://alertmanager.example.org:9093",
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{group}"}}',
        "truncatedAlerts": 0,
    }


@pytest.fixture
def checkout(db):
    return ComponentFactory.create(name="Checkout")


@pytest.fixture
def integration_and_key(severities, checkout) -> tuple[Integration, str]:
    return services.integration_create(
        name="Prometheus",
        kind="alertmanager",
        default_severity=severities["P3"],
        severity_rules="severity=critical: P1\nseverity=warning: P3",
        component_rules="service=checkout: Checkout",
    )


@pytest.fixture
def integration(integration_and_key) -> Integration:
    return integration_and_key[0]


@pytest.fixture
def key(integration_and_key) -> str:
    return integration_and_key[1]


@pytest.fixture
def on_call(db):
    """Whoever is on call in the seeded primary rotation: the escalation's first tier pages them."""
    user = UserFactory.create(username="oncall", email="oncall@example.org")
    rotation = Rotation.objects.get(name=PRIMARY_ROTATION)
    RotationMember.objects.create(rotation=rotation, user=user, position=0)
    return user
