"""The managers' report filters: incident start date range, severity and component."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from incidents.models import Component, Incident, SeverityPolicy
from postmortems.models import ActionItem


@dataclass(frozen=True)
class ReportFilters:
    """Applied to incidents (and to action items through their incident)."""

    start: date | None = None
    end: date | None = None
    severity: str = ""  # level, e.g. "P1"
    component: int | None = None

    def incidents(self, queryset: QuerySet[Incident] | None = None) -> QuerySet[Incident]:
        queryset = Incident.objects.all() if queryset is None else queryset
        return queryset.filter(self._q(""))

    def action_items(self) -> QuerySet[ActionItem]:
        return ActionItem.objects.filter(self._q("postmortem__incident__"))

    def _q(self, prefix: str) -> Q:
        q = Q()
        if self.start:
            q &= Q(**{f"{prefix}started_at__gte": datetime.combine(self.start, time.min, tzinfo=UTC)})
        if self.end:
            q &= Q(**{f"{prefix}started_at__lt": datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)})
        if self.severity:
            q &= Q(**{f"{prefix}severity__level": self.severity})
        if self.component:
            q &= Q(**{f"{prefix}components": self.component})
        return q

    def as_query(self) -> dict[str, str]:
        out = {"start": self.start.isoformat() if self.start else "", "end": self.end.isoformat() if self.end else ""}
        out.update(severity=self.severity, component=str(self.component or ""))
        return {k: v for k, v in out.items() if v}


def parse_filters(params: Any) -> tuple[ReportFilters, dict[str, str]]:
    """Filters from query parameters; returns the filters and the errors (field → message) of bad ones."""
    errors: dict[str, str] = {}

    def day(name: str) -> date | None:
        text = (params.get(name) or "").strip()
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            errors[name] = "Use a date as YYYY-MM-DD."
            return None

    start, end = day("start"), day("end")
    if start and end and end < start:
        errors["end"] = "The end date is before the start date."
    severity = (params.get("severity") or "").strip()
    if severity and not SeverityPolicy.objects.filter(level=severity).exists():
        errors["severity"] = f"Unknown severity {severity!r}."
        severity = ""
    component_text = (params.get("component") or "").strip()
    component = int(component_text) if component_text.isdigit() else None
    if component_text and component is None:
        errors["component"] = "Give the component's id."
    return ReportFilters(start=start, end=end, severity=severity, component=component), errors


def filter_choices() -> dict[str, Any]:
    return {
        "severities": list(SeverityPolicy.objects.order_by("level").values_list("level", "name")),
        "components": list(Component.objects.order_by("name").values_list("pk", "name")),
    }
