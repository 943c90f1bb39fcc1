"""The managers' report filters: incident start date range, severity and component."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.models import Component, Incident, SeverityPolicy
from postmortems.models import ActionItem

ISO_DATE = "%Y-%m-%d"


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
        if self.end and self.end < date.max:  # up to 9999-12-31 is no upper bound (and no overflow)
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


class ReportFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end date is before the start date."))
        return cleaned


def _day(label: Any) -> django_filters.DateFilter:
    return django_filters.DateFilter(
        field_name="started_at",
        label=label,
        input_formats=[ISO_DATE],
        error_messages={"invalid": gettext_lazy("Use a date as YYYY-MM-DD.")},
    )


class ReportFilterSet(django_filters.FilterSet):
    """The report's query parameters, for the admin page and the API: start and end (YYYY-MM-DD, by the
    incident's start), severity (level, e.g. P1) and component (id). An invalid one is left out of
    report_filters() and named in error_messages() (admin page) or errors (API 400)."""

    start = _day(gettext_lazy("Incidents started on or after"))
    end = _day(gettext_lazy("Incidents started on or before"))
    severity = django_filters.ModelChoiceFilter(
        field_name="severity",
        label=gettext_lazy("Severity"),
        to_field_name="level",
        queryset=SeverityPolicy.objects.all(),
        error_messages={"invalid_choice": gettext_lazy("Unknown severity “%(value)s”.")},
    )
    component = django_filters.ModelChoiceFilter(
        field_name="components",
        label=gettext_lazy("Component"),
        queryset=Component.objects.all(),
        error_messages={"invalid_choice": gettext_lazy("Unknown component “%(value)s”; give the component's id.")},
    )

    class Meta:
        model = Incident
        fields = ["start", "end", "severity", "component"]
        form = ReportFilterForm

    def report_filters(self) -> ReportFilters:
        """The filters that are valid, as applied by the report's figures."""
        if not self.is_bound:
            return ReportFilters()
        self.is_valid()  # cleans the form; an invalid parameter is left out of cleaned_data
        data = self.form.cleaned_data
        severity, component = data.get("severity"), data.get("component")
        return ReportFilters(
            start=data.get("start"),
            end=data.get("end"),
            severity=severity.level if severity is not None else "",
            component=component.pk if component is not None else None,
        )

    def error_messages(self) -> dict[str, str]:
        """field → message of each invalid parameter."""
        return {name: " ".join(messages) for name, messages in self.errors.items()}

    def filter_queryset(self, queryset: QuerySet[Incident]) -> QuerySet[Incident]:
        # One definition of what the filters mean: the one the figures use.
        return self.report_filters().incidents(queryset)


def filter_choices() -> dict[str, Any]:
    return {
        "severities": list(SeverityPolicy.objects.order_by("level").values_list("level", "name")),
        "components": list(Component.objects.order_by("name").values_list("pk", "name")),
    }
