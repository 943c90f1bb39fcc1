"""Uptime history: the status the public saw per component, recorded as it changes
(`public_statuses_record`, called after each commit that may change it and periodically; see tasks.py),
and the daily and monthly uptime read from it.

Statuspage's rule: time in `major_outage` counts as downtime in full, `partial_outage` at 30%,
`degraded_performance` and `under_maintenance` not at all. Uptime = (minutes covered - weighted outage
minutes) / minutes covered, where "covered" starts at the component's first recorded status: nothing is
backfilled, so days before it show as "no data" and do not count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils import dateformat, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from incidents.models import OPEN_STATUSES, Component, ComponentStatus
from incidents.statuspage import selectors
from incidents.statuspage.models import ACTIVE_MAINTENANCE_STATUSES, ComponentStatusChange

SHOWCASE_DAYS = 90
DOWNTIME_WEIGHT = {ComponentStatus.MAJOR_OUTAGE: 1.0, ComponentStatus.PARTIAL_OUTAGE: 0.3}
# A day's colour by its weighted downtime minutes (green, yellow, orange, red), as Statuspage's scale.
LEVELS = ((0.0, "operational"), (30.0, "minor"), (240.0, "partial"))
LEVEL_NAMES = {
    "operational": _("No downtime"),
    "minor": _("Minor downtime"),
    "partial": _("Partial downtime"),
    "major": _("Major downtime"),
    "nodata": _("No data"),
}


@dataclass
class DayUptime:
    day: date
    covered: float = 0.0  # minutes with a recorded status
    major: float = 0.0  # minutes in major outage
    partial: float = 0.0  # minutes in partial outage

    @property
    def downtime(self) -> float:
        """Weighted downtime minutes."""
        return (
            self.major * DOWNTIME_WEIGHT[ComponentStatus.MAJOR_OUTAGE]
            + self.partial * DOWNTIME_WEIGHT[ComponentStatus.PARTIAL_OUTAGE]
        )

    @property
    def percent(self) -> float | None:
        return uptime_percent(self.covered, self.downtime)

    @property
    def level(self) -> str:
        if self.covered <= 0:
            return "nodata"
        downtime = round(self.downtime, 6)
        for ceiling, name in LEVELS:
            if downtime <= ceiling:
                return name
        return "major"

    @property
    def text(self) -> str:
        """The bar's meaning in words (screen readers, tooltips): never by colour alone."""
        when = dateformat.format(self.day, "j M Y")  # the month's name in the active language
        if self.covered <= 0:
            return gettext("%(day)s: no data") % {"day": when}
        parts = []
        if self.major:
            parts.append(gettext("%(duration)s of major outage") % {"duration": _minutes(self.major)})
        if self.partial:
            parts.append(gettext("%(duration)s of partial outage") % {"duration": _minutes(self.partial)})
        return gettext("%(day)s: %(downtime)s (%(percent)s uptime)") % {
            "day": when,
            "downtime": ", ".join(parts) or gettext("no downtime"),
            "percent": format_percent(self.percent),
        }


@dataclass
class Uptime:
    """A component's days over a period, with the period's percentage."""

    component: Component
    days: list[DayUptime] = field(default_factory=list)

    @property
    def percent(self) -> float | None:
        covered = sum(day.covered for day in self.days)
        return uptime_percent(covered, sum(day.downtime for day in self.days))

    @property
    def percent_text(self) -> str:
        return format_percent(self.percent)


def uptime_percent(covered: float, downtime: float) -> float | None:
    return None if covered <= 0 else max(0.0, (covered - downtime) / covered * 100)


def format_percent(percent: float | None) -> str:
    """Two decimals, never rounding a day with downtime up to 100%."""
    if percent is None:
        return gettext("no data")
    if percent < 100:
        percent = min(percent, 99.99)
    return f"{percent:.2f}%"


def _minutes(minutes: float) -> str:
    whole = max(1, round(minutes))
    hours, rest = divmod(whole, 60)
    if hours:
        return gettext("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": rest}
    return gettext("%(minutes)d min") % {"minutes": rest}


def component_uptime(
    components: Iterable[Component], first_day: date, last_day: date, now: datetime | None = None
) -> list[Uptime]:
    """Each component's days from first_day to last_day (UTC, inclusive), up to now. Two queries."""
    now = now or timezone.now()
    start = datetime.combine(first_day, time.min, tzinfo=UTC)
    end = min(now, datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=UTC))
    before = ComponentStatusChange.objects.filter(component=OuterRef("pk"), at__lt=start).order_by("-at", "-id")
    rows = list(
        Component.objects.filter(pk__in=[c.pk for c in components]).annotate(
            status_before=Subquery(before.values("status")[:1])
        )
    )
    status_before = {row.pk: row.status_before for row in rows}
    changes: dict[int, list[tuple[datetime, str]]] = {}
    for change in ComponentStatusChange.objects.filter(
        component__in=list(status_before), at__gte=start, at__lt=end
    ).order_by("at", "id"):
        changes.setdefault(change.component_id, []).append((change.at, change.status))

    day_count = (last_day - first_day).days + 1
    result = []
    for component in components:
        days = [DayUptime(first_day + timedelta(days=n)) for n in range(day_count)]
        steps = changes.get(component.pk, [])
        if status_before.get(component.pk):
            steps = [(start, str(status_before[component.pk])), *steps]
        for index, (since, status) in enumerate(steps):
            until = steps[index + 1][0] if index + 1 < len(steps) else end
            _spread(days, first_day, since, until, status)
        result.append(Uptime(component=component, days=days))
    return result


def _spread(days: list[DayUptime], first_day: date, since: datetime, until: datetime, status: str) -> None:
    """Add the minutes of one status interval to the days it spans."""
    cursor = since
    while cursor < until:
        day_index = (cursor.astimezone(UTC).date() - first_day).days
        next_midnight = datetime.combine(cursor.astimezone(UTC).date() + timedelta(days=1), time.min, tzinfo=UTC)
        stop = min(until, next_midnight)
        minutes = (stop - cursor).total_seconds() / 60
        if 0 <= day_index < len(days):
            day = days[day_index]
            day.covered += minutes
            if status == ComponentStatus.MAJOR_OUTAGE:
                day.major += minutes
            elif status == ComponentStatus.PARTIAL_OUTAGE:
                day.partial += minutes
        cursor = stop


def showcase(components: Iterable[Component], now: datetime | None = None) -> dict[int, Uptime]:
    """The last 90 days, today included, of the uptime-enabled components, by component pk."""
    now = now or timezone.now()
    today = now.astimezone(UTC).date()
    shown = [c for c in components if c.uptime_enabled]
    uptimes = component_uptime(shown, today - timedelta(days=SHOWCASE_DAYS - 1), today, now)
    return {uptime.component.pk: uptime for uptime in uptimes}


@dataclass
class MonthUptime:
    month: date  # its first day
    components: list[Uptime]


def monthly(components: Iterable[Component], months: int = 3, now: datetime | None = None) -> list[MonthUptime]:
    """The current month and the months before it, newest first, for the uptime-enabled components."""
    now = now or timezone.now()
    shown = [c for c in components if c.uptime_enabled]
    first = now.astimezone(UTC).date().replace(day=1)
    result = []
    for _month in range(months):
        following = (first + timedelta(days=32)).replace(day=1)
        result.append(MonthUptime(first, component_uptime(shown, first, following - timedelta(days=1), now)))
        first = (first - timedelta(days=1)).replace(day=1)
    return result


# Recording: whenever what the page shows may have changed (after each commit) and periodically.


def public_statuses_record(now: datetime | None = None) -> list[dict[str, Any]]:
    """Record each component's effective public status where it differs from the last one recorded, and
    return the changes (`component`, `old`, `new`, `at`, `id`) for the subscribers' component events. A
    component's first record is no change. Safe to call at any time: an unchanged page records nothing."""
    now = now or timezone.now()
    last = ComponentStatusChange.objects.filter(component=OuterRef("pk")).order_by("-at", "-id")
    components = list(Component.objects.annotate(last_status=Subquery(last.values("status")[:1])).order_by("pk"))
    active = list(selectors.public_incidents().filter(status__in=OPEN_STATUSES))
    maintenances = list(
        selectors.public_maintenances().filter(status__in=ACTIVE_MAINTENANCE_STATUSES).order_by("scheduled_for")
    )
    shown = selectors.effective_component_statuses(components, active, maintenances)
    changed = [c for c in components if c.last_status != shown[c.pk]]  # type: ignore[attr-defined]
    rows = ComponentStatusChange.objects.bulk_create(
        ComponentStatusChange(
            component=component,
            status=shown[component.pk],
            at=now,
            subscribers_told_at=now if component.last_status is None else None,  # type: ignore[attr-defined]
        )
        for component in changed
    )
    return [
        component_change(component, component.last_status, row)  # type: ignore[attr-defined]
        for component, row in zip(changed, rows, strict=True)
        if component.last_status is not None  # type: ignore[attr-defined]
    ]


def component_change(component: Component, old_status: str, row: ComponentStatusChange) -> dict[str, Any]:
    """A recorded change as the subscribers' component event needs it (a task argument: plain values)."""
    return {
        "component": component.pk,
        "old": old_status,
        "new": row.status,
        "at": row.at.isoformat(),
        "id": f"{component.public_id}-{int(row.at.timestamp() * 1000)}",
        "row": row.pk,
    }
