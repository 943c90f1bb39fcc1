"""Gauges read from the database at scrape time: right whichever process answers, and across restarts."""

from __future__ import annotations

import math
from collections.abc import Iterator

from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from incidents import selectors as incident_selectors
from incidents.metrics import selectors
from incidents.models import OPEN_STATUSES, SeverityPolicy
from incidents.timers.engine import heartbeat


class DatabaseCollector(Collector):
    """Eight small aggregate queries per scrape (see the README's Monitoring section)."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        levels = list(SeverityPolicy.objects.order_by("level").values_list("level", flat=True))

        open_incidents = GaugeMetricFamily(
            "warroom_incidents_open", "Open incidents by severity and status.", labels=["severity", "status"]
        )
        counts = {
            (level, status): count
            for level, status, count in incident_selectors.open_incident_counts_by_severity_and_status()
        }
        for level in levels:
            for status in OPEN_STATUSES:
                open_incidents.add_metric([level, str(status)], counts.get((level, str(status)), 0))
        yield open_incidents

        unacknowledged = GaugeMetricFamily(
            "warroom_incidents_unacknowledged_past_target",
            "Open incidents past their response target that nobody has acknowledged.",
            labels=["severity"],
        )
        late = incident_selectors.unacknowledged_past_target_counts(now)
        for level in levels:
            unacknowledged.add_metric([level], late.get(level, 0))
        yield unacknowledged

        beat = heartbeat()
        age = (now - beat.beat_at).total_seconds() if beat.beat_at else math.inf
        yield GaugeMetricFamily(
            "warroom_timer_heartbeat_age_seconds",
            "Seconds since the timer engine's last tick (+Inf if it never ticked).",
            value=max(age, 0.0),
        )
        yield GaugeMetricFamily(
            "warroom_timer_tick_interval_seconds",
            "The configured tick interval (TIMER_TICK_SECONDS).",
            value=beat.interval,
        )
        yield GaugeMetricFamily(
            "warroom_timers_due",
            "Timers due and not yet fired (the next tick's work).",
            value=selectors.due_timer_count(now),
        )
        yield GaugeMetricFamily(
            "warroom_timers_stuck",
            "Timers whose handler failed too often to be retried (see the timer's last error).",
            value=selectors.stuck_timer_count(),
        )

        outbox = GaugeMetricFamily(
            "warroom_outbox_notifications",
            "Notifications pending, being sent or failed, by channel kind.",
            labels=["channel", "status"],
        )
        backlog = {(channel, status): count for channel, status, count in selectors.outbox_counts()}
        for channel in selectors.CHANNELS:
            for state in selectors.OUTBOX_STATES:
                outbox.add_metric([channel, str(state)], backlog.get((channel, str(state)), 0))
        yield outbox
        oldest = selectors.oldest_undelivered_at()
        yield GaugeMetricFamily(
            "warroom_outbox_oldest_undelivered_age_seconds",
            "Age of the oldest notification still waiting for delivery (0 when none waits).",
            value=max((now - oldest).total_seconds(), 0.0) if oldest else 0.0,
        )
