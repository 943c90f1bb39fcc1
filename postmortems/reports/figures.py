"""The managers' report: every figure is aggregated in the database, so the number of queries and the
amount of Python work do not grow with the number of incidents or action items."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Min, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy

from incidents.models import Incident, SeverityPolicy
from incidents.selectors import with_sla_due
from postmortems.models import OPEN_ACTION_STATUSES, ActionItem, ActionPriority, ActionStatus
from postmortems.reports.filters import ReportFilters

# Age buckets of open action items: (label, lower bound in days, upper bound or None).
AGE_BUCKETS = (
    (gettext_lazy("0-7 days"), 0, 7),
    (gettext_lazy("8-30 days"), 8, 30),
    (gettext_lazy("31-90 days"), 31, 90),
    (gettext_lazy("over 90 days"), 91, None),
)
FOLLOW_UP_LIMIT = 25


def _rows(queryset: Any) -> list[dict[str, Any]]:
    """values() rows as plain dicts (they get extra keys below)."""
    return [dict(row) for row in queryset]


def _minutes(value: timedelta | None) -> float | None:
    return round(value.total_seconds() / 60, 1) if value is not None else None


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Report:
    filters: ReportFilters
    generated_at: datetime
    action_items: dict[str, Any] = field(default_factory=dict)
    incidents: dict[str, Any] = field(default_factory=dict)


# Action items. The counts come from two grouped scans: every item by (priority, month due) -- the
# "cells" -- and the open items (index on status) by (owner, priority) with the overdue and age counts.

COUNT_KEYS = ["total", "done", "done_on_time", "wont_do"]
OPEN_KEYS = ["open", "overdue", *(f"age_{n}" for n in range(len(AGE_BUCKETS)))]
IS_OPEN = Q(status__in=OPEN_ACTION_STATUSES)
IS_DONE = Q(status=ActionStatus.DONE)


def action_item_figures(filters: ReportFilters, now: datetime) -> dict[str, Any]:
    """A fixed number of queries, whatever the number of action items: one scan grouped by (priority,
    month due) for totals and completion; the open items grouped by (owner, priority) for the open,
    overdue and age figures; the owners' names; the follow-up table reads open items and 25 post-mortems."""
    items = filters.action_items()
    open_items = items.filter(IS_OPEN)
    overdue = Q(due_date__lt=now.date())
    cells = _cells_by_priority_and_month(items)
    open_cells = _open_cells_by_owner_and_priority(open_items, overdue, now)
    totals = {**_summed(cells, COUNT_KEYS, now), **_summed(open_cells, OPEN_KEYS, now)}
    return {
        "open": totals["open"],
        "overdue": totals["overdue"],
        "done": totals["done"],
        "wont_do": totals["wont_do"],
        "total": totals["total"],
        "completion_pct": _pct(totals["done"], totals["total"] - totals["wont_do"]),
        "oldest_open_days": totals["oldest_open_days"],
        "age": [{"bucket": label, "open": totals[f"age_{n}"]} for n, (label, _, _) in enumerate(AGE_BUCKETS)],
        "by_owner": _by_owner(open_cells, now),
        "by_priority": _by_priority(cells, open_cells, now),
        "completion": _completion(cells, now),
        "follow_up": _follow_up(open_items, overdue),
    }


def _cells_by_priority_and_month(items: QuerySet[ActionItem]) -> list[dict[str, Any]]:
    """One query: totals, done, done on time and won't do per (priority, month due)."""
    return _rows(
        items.annotate(month=TruncMonth("due_date"))
        .values("priority", "month")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=IS_DONE),
            done_on_time=Count("pk", filter=IS_DONE & Q(completed_at__date__lte=F("due_date"))),
            wont_do=Count("pk", filter=Q(status=ActionStatus.WONT_DO)),
        )
        .order_by()
    )


def _age_counts(now: datetime) -> dict[str, Count]:
    """age_0, age_1...: how many items were created within each AGE_BUCKETS range before `now`."""
    ages: dict[str, Count] = {}
    for n, (_, low, high) in enumerate(AGE_BUCKETS):
        q = Q(created_at__lte=now - timedelta(days=low))
        if high is not None:
            q &= Q(created_at__gt=now - timedelta(days=high + 1))
        ages[f"age_{n}"] = Count("pk", filter=q)
    return ages


def _open_cells_by_owner_and_priority(
    open_items: QuerySet[ActionItem], overdue: Q, now: datetime
) -> list[dict[str, Any]]:
    """One query: open, overdue, oldest creation time and the age counts per (owner, priority)."""
    return _rows(
        open_items.values("owner", "priority")
        .annotate(
            open=Count("pk"), overdue=Count("pk", filter=overdue), oldest_open=Min("created_at"), **_age_counts(now)
        )
        .order_by()
    )


def _summed(rows: list[dict[str, Any]], keys: list[str], now: datetime) -> dict[str, Any]:
    """The keys summed over the rows, and the age in days of the oldest open item among them."""
    out: dict[str, Any] = {key: sum(row[key] for row in rows) for key in keys}
    oldest = [row["oldest_open"] for row in rows if row.get("oldest_open") is not None]
    out["oldest_open_days"] = (now - min(oldest)).days if oldest else None
    return out


def _by_priority(cells: list[dict[str, Any]], open_cells: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    rows = []
    for value, label in ActionPriority.choices:
        closed = _summed([cell for cell in cells if cell["priority"] == value], COUNT_KEYS, now)
        still_open = _summed([cell for cell in open_cells if cell["priority"] == value], OPEN_KEYS, now)
        rows.append(
            {
                "priority": value,
                "label": label,
                "open": still_open["open"],
                "overdue": still_open["overdue"],
                "done": closed["done"],
                "oldest_open_days": still_open["oldest_open_days"],
            }
        )
    return rows


def _completion(cells: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Completion over time: items (but won't-do) grouped by the month they were due; how many got done,
    and done on time. Months where nothing was due are left out."""
    rows = []
    for month in sorted({cell["month"] for cell in cells}):
        row = _summed([cell for cell in cells if cell["month"] == month], COUNT_KEYS, now)
        due = row["total"] - row["wont_do"]
        if not due:
            continue
        rows.append(
            {
                "month": f"{month:%Y-%m}",
                "due": due,
                "done": row["done"],
                "done_on_time": row["done_on_time"],
                "completion_pct": _pct(row["done"], due),
                "on_time_pct": _pct(row["done_on_time"], due),
            }
        )
    return rows


def _by_owner(open_cells: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Open and overdue items per owner, most overdue first; one query for the owners' names."""
    owners = sorted({cell["owner"] for cell in open_cells})
    names = {u.pk: (u.get_full_name() or u.get_username()) for u in get_user_model().objects.filter(pk__in=owners)}
    rows = []
    for owner in owners:
        row = _summed([cell for cell in open_cells if cell["owner"] == owner], ["open", "overdue"], now)
        rows.append({"owner": owner, "owner_name": names.get(owner, str(owner)), **row})
    rows.sort(key=lambda row: (-row["overdue"], -row["open"], row["owner_name"]))
    return rows


def _follow_up(open_items: QuerySet[ActionItem], overdue: Q) -> list[dict[str, Any]]:
    """The post-mortems most behind (by open items), then their totals and incidents: three queries."""
    behind = _rows(
        open_items.values("postmortem")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=overdue))
        .order_by("-overdue", "-open", "postmortem")[:FOLLOW_UP_LIMIT]
    )
    ids = [row["postmortem"] for row in behind]
    progress = {
        row["postmortem"]: row
        for row in _rows(
            ActionItem.objects.filter(postmortem__in=ids)
            .values("postmortem")
            .annotate(total=Count("pk"), done=Count("pk", filter=IS_DONE), closed=Count("pk", filter=~IS_OPEN))
            .order_by()
        )
    }
    incidents = {
        row["postmortem__pk"]: row
        for row in Incident.objects.filter(postmortem__in=ids).values("pk", "reference", "title", "postmortem__pk")
    }
    return [
        {
            "incident": incidents[row["postmortem"]]["reference"],
            "incident_id": incidents[row["postmortem"]]["pk"],
            "title": incidents[row["postmortem"]]["title"],
            "total": progress[row["postmortem"]]["total"],
            "done": progress[row["postmortem"]]["done"],
            "open": row["open"],
            "overdue": row["overdue"],
            "progress_pct": _pct(progress[row["postmortem"]]["closed"], progress[row["postmortem"]]["total"]),
        }
        for row in behind
    ]


# Incidents


def incident_figures(filters: ReportFilters, now: datetime) -> dict[str, Any]:
    incidents = filters.incidents()
    annotated = with_sla_due(incidents)
    # A response clock is decided once acknowledged or once its deadline has passed; same for resolution.
    ack_decided = Q(acknowledged_at__isnull=False) | Q(sla_ack_due__lt=now)
    ack_met = Q(acknowledged_at__isnull=False, acknowledged_at__lte=F("sla_ack_due"))
    res_decided = Q(sla_resolve_due__isnull=False) & (Q(resolved_at__isnull=False) | Q(sla_resolve_due__lt=now))
    res_met = Q(sla_resolve_due__isnull=False, resolved_at__isnull=False, resolved_at__lte=F("sla_resolve_due"))
    rows = {
        row["severity__level"]: row
        for row in _rows(
            annotated.values("severity__level").annotate(
                count=Count("pk"),
                mtta=Avg(
                    ExpressionWrapper(F("acknowledged_at") - F("started_at"), output_field=DurationField()),
                    filter=Q(acknowledged_at__isnull=False),
                ),
                mttr=Avg(
                    ExpressionWrapper(F("resolved_at") - F("started_at"), output_field=DurationField()),
                    filter=Q(resolved_at__isnull=False),
                ),
                ack_decided=Count("pk", filter=ack_decided),
                ack_met=Count("pk", filter=ack_met),
                res_decided=Count("pk", filter=res_decided),
                res_met=Count("pk", filter=res_met),
            )
        )
    }
    by_severity = []
    totals = {"count": 0, "ack_decided": 0, "ack_met": 0, "res_decided": 0, "res_met": 0}
    for policy in SeverityPolicy.objects.order_by("level"):
        empty: dict[str, Any] = {"count": 0, "mtta": None, "mttr": None, "ack_decided": 0, "ack_met": 0}
        row = rows.get(policy.level) or {**empty, "res_decided": 0, "res_met": 0}
        for key in totals:
            totals[key] += row[key]
        by_severity.append(
            {
                "severity": policy.level,
                "name": policy.name,
                "colour": policy.colour,
                "count": row["count"],
                "mtta_minutes": _minutes(row["mtta"]),
                "mttr_minutes": _minutes(row["mttr"]),
                "response_sla_pct": _pct(row["ack_met"], row["ack_decided"]),
                "resolution_sla_pct": _pct(row["res_met"], row["res_decided"]),
                "response_met": row["ack_met"],
                "response_decided": row["ack_decided"],
                "resolution_met": row["res_met"],
                "resolution_decided": row["res_decided"],
            }
        )
    return {
        "count": totals["count"],
        "response_sla_pct": _pct(totals["ack_met"], totals["ack_decided"]),
        "resolution_sla_pct": _pct(totals["res_met"], totals["res_decided"]),
        "by_severity": by_severity,
        "per_week": _per_period(incidents, TruncWeek("started_at"), "%Y-%m-%d"),
        "per_month": _per_period(incidents, TruncMonth("started_at"), "%Y-%m"),
    }


def _per_period(incidents: QuerySet[Incident], trunc: Any, fmt: str) -> list[dict[str, Any]]:
    """[{period, P1: n, P2: n, ..., total}] in period order, quiet periods in between included."""
    periods: dict[date, dict[str, Any]] = {}
    for row in _rows(
        incidents.annotate(period=trunc).values("period", "severity__level").annotate(n=Count("pk")).order_by("period")
    ):
        start = row["period"].date() if isinstance(row["period"], datetime) else row["period"]
        bucket = periods.setdefault(start, {"period": f"{start:{fmt}}", "total": 0})
        bucket[row["severity__level"]] = row["n"]
        bucket["total"] += row["n"]
    if not periods:
        return []
    day, last, out = min(periods), max(periods), []
    while day <= last:
        out.append(periods.get(day) or {"period": f"{day:{fmt}}", "total": 0})
        # next week, or the first of next month
        day = (
            day + timedelta(days=7) if fmt.endswith("%d") else (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        )
    return out


def build_report(filters: ReportFilters, now: datetime | None = None) -> Report:
    now = now or timezone.now()
    return Report(
        filters=filters,
        generated_at=now,
        action_items=action_item_figures(filters, now),
        incidents=incident_figures(filters, now),
    )
