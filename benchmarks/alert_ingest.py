"""Alert intake throughput: alerts per second and queries per alert, posting Alertmanager payloads to
`/api/integrations/{key}/alertmanager/`, for a batch of 10 alerts and one of 1,000 alerts, each into
10 groups (one payload per group, as Alertmanager sends a group's alerts together). Each batch is
posted to its own new integration, so both declare 10 incidents; the per-alert cost of the large batch
should stay within 1.5x of the small one.

    DATABASE_URL=postgres://... python benchmarks/alert_ingest.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, datetime, timedelta

from _django import setup_database

GROUPS = 10


def payload(group: str, alerts: int, starts: datetime) -> bytes:
    return json.dumps(
        {
            "receiver": "warroom",
            "status": "firing",
            "alerts": [
                {
                    "status": "firing",
                    "labels": {"alertname": group, "instance": f"host-{n}", "severity": "warning"},
                    "annotations": {"summary": f"{group} is failing"},
                    "startsAt": starts.isoformat(),
                    "endsAt": "0001-01-01T00:00:00Z",
                    "generatorURL": "http://prometheus.example.org/graph",
                    "fingerprint": f"{group}-{n}",
                }
                for n in range(alerts)
            ],
            "groupLabels": {"alertname": group},
            "commonLabels": {"alertname": group, "severity": "warning"},
            "commonAnnotations": {"summary": f"{group} is failing"},
            "externalURL": "http://alertmanager.example.org:9093",
            "version": "4",
            "groupKey": f'{{}}:{{alertname="{group}"}}',
            "truncatedAlerts": 0,
        }
    ).encode()


def run_batch(client, total: int, run: str) -> tuple[float, int]:
    """Seconds and queries for `total` alerts into GROUPS groups, on a fresh integration."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from incidents.alerts import services
    from incidents.models import SeverityPolicy

    _integration, key = services.integration_create(
        name=f"Bench {run}", kind="alertmanager", default_severity=SeverityPolicy.objects.get(level="P3")
    )
    starts = datetime.now(UTC) - timedelta(minutes=1)
    bodies = [payload(f"{run}-G{g}", total // GROUPS, starts) for g in range(GROUPS)]
    url = f"/api/integrations/{key}/alertmanager/"
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        for body in bodies:
            response = client.post(url, data=body, content_type="application/json")
            assert response.status_code == 202, response.content
        elapsed = time.perf_counter() - began
    return elapsed, len(queries.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    _name, drop = setup_database()
    try:
        from django.test import Client

        from incidents.models import Incident

        client = Client()
        run_batch(client, 10, "warm-up")
        small, large = [], []
        for n in range(args.repeat):
            small.append(run_batch(client, 10, f"s{n}"))
            large.append(run_batch(client, 1000, f"l{n}"))
        assert Incident.objects.count() == GROUPS * (1 + 2 * args.repeat)
        small_seconds = statistics.median(s for s, _ in small)
        large_seconds = statistics.median(s for s, _ in large)
        small_per_alert, large_per_alert = small_seconds / 10, large_seconds / 1000
        print(
            f"batch of 10 into 10 groups:    {10 / small_seconds:8.0f} alerts/s, "
            f"{small[0][1] / 10:6.1f} queries/alert (median of {args.repeat})"
        )
        print(
            f"batch of 1,000 into 10 groups: {1000 / large_seconds:8.0f} alerts/s, "
            f"{large[0][1] / 1000:6.2f} queries/alert"
        )
        print(f"per-alert time, large / small: {large_per_alert / small_per_alert:.2f} (must be <= 1.5)")
    finally:
        drop()


if __name__ == "__main__":
    main()
