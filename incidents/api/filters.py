from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from incidents.api.fields import UTCIsoDateTimeFilter
from incidents.models import OPEN_STATUSES, Component, Incident, IncidentStatus


class IncidentFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=IncidentStatus.choices)
    severity = filters.CharFilter(field_name="severity__level", help_text=_("P1, P2, ..."))
    component = filters.ModelChoiceFilter(
        field_name="components", queryset=Component.objects.all(), distinct=True, help_text=_("Component id.")
    )
    open = filters.BooleanFilter(method="filter_open", help_text=_("true: investigating, identified or monitoring."))
    breached = filters.BooleanFilter(field_name="sla_breached", help_text=_("An SLA target was missed."))
    started_after = UTCIsoDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = UTCIsoDateTimeFilter(field_name="started_at", lookup_expr="lt")
    public = filters.BooleanFilter()

    class Meta:
        model = Incident
        fields = ["status", "severity", "component", "open", "breached", "started_after", "started_before", "public"]

    def filter_open(self, queryset: QuerySet[Incident], name: str, value: bool | None) -> QuerySet[Incident]:
        if value is None:
            return queryset
        return queryset.filter(status__in=OPEN_STATUSES) if value else queryset.exclude(status__in=OPEN_STATUSES)
